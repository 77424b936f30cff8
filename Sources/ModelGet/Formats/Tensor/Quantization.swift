import Foundation

/// How ollama stores a quantised tensor: the packed weight, `<name>.scale`
/// and (affine modes) `<name>.bias` in one safetensors blob whose
/// `__metadata__` names the quantisation (`quant_type`, `group_size`; a
/// blob packing several tensors uses `<name>.quant_type`).
package struct Quantization: Sendable, Hashable, CustomStringConvertible {
    /// As the metadata spells it, e.g. `int4`, `nvfp4`, `mxfp8`.
    package var type: String
    package var groupSize: Int?

    /// Bits per value, when the type is one ollama writes.
    package var bits: Int64? {
        switch type.lowercased() {
        case "int4", "q4", "fp4", "nvfp4", "mxfp4": return 4
        case "int8", "q8", "fp8", "mxfp8": return 8
        default: return nil
        }
    }

    /// Values one element of the packed `dtype` holds (8 for int4 in U32).
    func valuesPerElement(_ dtype: String) -> Int64 {
        guard let bits, let width = SafetensorsHeader.dtypeBits[dtype], width >= bits else { return 1 }
        return width / bits
    }

    /// The quantisation model_index.json names (`quantization`, with
    /// `group_size` or the group size ollama's image models used for that
    /// type), for older blobs that carry no metadata; lower-cased as blob
    /// metadata spells it.
    package static func fromModelIndex(_ index: [String: Any]) -> Quantization? {
        guard let type = (index["quantization"] as? String)?.lowercased(), !type.isEmpty else { return nil }
        let defaults = ["int4": 32, "q4": 32, "fp4": 32, "nvfp4": 16, "mxfp8": 32, "int8": 64, "q8": 64, "fp8": 64]
        guard let standard = defaults[type] else { return nil }
        return Quantization(type: type, groupSize: (index["group_size"] as? Int) ?? standard)
    }

    package var description: String {
        DisplayText.line(type, limit: 80) + (groupSize.map { " (group \($0))" } ?? "")
    }
}
