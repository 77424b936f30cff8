import Foundation

/// The part a header entry plays.
enum QuantizedTensor {
    case plain
    /// A quantised weight.
    case weight(Quantization)
    /// The scale or bias of a quantised weight in the same header.
    case companion

    static let companionSuffixes = [".scale", ".bias"]

    static func role(of tensor: SafetensorsHeader.Tensor, in header: SafetensorsHeader) -> QuantizedTensor {
        for suffix in companionSuffixes where tensor.name.hasSuffix(suffix) {
            let base = String(tensor.name.dropLast(suffix.count))
            if quantization(of: base, in: header) != nil, header.contains(base) { return .companion }
        }
        if let quantization = quantization(of: tensor.name, in: header) { return .weight(quantization) }
        return .plain
    }

    /// The quantisation of the weight `name`: it has a `.scale` beside it
    /// and the metadata names a type.
    static func quantization(of name: String, in header: SafetensorsHeader) -> Quantization? {
        guard header.contains(name + ".scale") else { return nil }
        let type = header.metadata[name + ".quant_type"] ?? header.metadata["quant_type"]
        guard let type, !type.isEmpty else { return nil }
        let group = header.metadata[name + ".group_size"] ?? header.metadata["group_size"]
        return Quantization(type: type, groupSize: group.flatMap { Int($0) })
    }
}
