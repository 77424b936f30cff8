import Foundation

/// Merges the tensor layers of one component into one safetensors file.
/// The plan (names, offsets, header) is made from the layers' headers
/// first; `write` then streams each blob once from start to end, hashing
/// every byte and copying the tensor ranges to their place, so a blob that
/// does not hash to its digest fails the file and nothing is buffered whole.
struct SafetensorsMerger {
    /// One tensor of the output and where its bytes come from.
    struct Placement {
        var name: String
        var tensor: SafetensorsHeader.Tensor
        /// Its bytes in the blob file.
        var source: Range<Int64>
        /// Where its bytes go, relative to the output's data section.
        var target: Int64
    }

    /// One blob and the tensors it gives.
    struct Source {
        var descriptor: Descriptor
        var placements: [Placement]
    }

    let store: ModelStore
    let sources: [Source]
    let quantizations: Set<Quantization>
    let header: Data
    let dataLength: Int64

    var tensors: [Placement] { sources.flatMap(\.placements) }

    /// Plans the merge. Tensor names lose the component prefix ollama gave
    /// quantised blobs; a blob keyed `data` (older ollama) takes its layer's
    /// name, and older separate scale and bias layers become `<weight>.scale`
    /// and `<weight>.bias`, their weight quantised as `legacyQuantization`
    /// (from model_index.json) says. Two tensors of one name are refused.
    /// Each header's length is taken from `budget` before it is read.
    init(store: ModelStore, model: String, component: String, layers: [TensorModelLayout.TensorLayer],
         legacyQuantization: Quantization?, budget: TensorHeaderReader.Budget) throws {
        let legacyWeights = Set(layers.compactMap(\.companionOf))
        self.store = store
        var sources: [Source] = []
        var names = Set<String>()
        var quantized: [String: Quantization] = [:]
        var offset: Int64 = 0
        for layer in layers {
            let blob = try store.openBlob(layer.descriptor.digest)
            defer { blob.close() }
            let header = try TensorHeaderReader.read(blob, source: "blob \(layer.descriptor.digest) (\(DisplayText.line(layer.name, limit: 80)))",
                                                     budget: budget)
            guard header.dataOffset + (header.tensors.last?.range.upperBound ?? 0) <= layer.descriptor.size else {
                throw ModelGetError.invalidSafetensors(source: "blob \(layer.descriptor.digest)", reason: "tensors run past the blob's size")
            }
            var placements: [Placement] = []
            for tensor in header.tensors {
                var name = tensor.name
                if name == "data" {
                    name = layer.name
                } else if !component.isEmpty, name.hasPrefix(component + "/") {
                    name.removeFirst(component.count + 1)
                }
                if name == layer.name { name = layer.outputName }
                guard names.insert(name).inserted else {
                    throw ModelGetError.invalidTensorModel(model: model, reason: "\(component) has two tensors named \(SafetensorsHeader.quoted(name))")
                }
                switch QuantizedTensor.role(of: tensor, in: header) {
                case let .weight(quantization):
                    quantized[name] = quantization
                case .plain where legacyWeights.contains(layer.name) && name == layer.name:
                    quantized[name] = legacyQuantization
                default:
                    break
                }
                let source = (header.dataOffset + tensor.range.lowerBound)..<(header.dataOffset + tensor.range.upperBound)
                placements.append(Placement(name: name, tensor: tensor, source: source, target: offset))
                offset += tensor.range.upperBound - tensor.range.lowerBound
            }
            sources.append(Source(descriptor: layer.descriptor, placements: placements))
        }
        self.sources = sources
        self.quantizations = Set(quantized.values)
        self.dataLength = offset
        self.header = try Self.header(sources.flatMap(\.placements), quantized: quantized)
    }

    /// The output header: every tensor with its new offsets, and
    /// `__metadata__` with `format: pt` and the quantisation (one
    /// `quant_type`/`group_size` when all weights share it, else one pair
    /// per weight, as ollama's packed blobs do). Padded with spaces to a
    /// multiple of 8 bytes, length first.
    static func header(_ placements: [Placement], quantized: [String: Quantization]) throws -> Data {
        var object: [String: Any] = [:]
        for placement in placements {
            object[placement.name] = [
                "dtype": placement.tensor.dtype, "shape": placement.tensor.shape,
                "data_offsets": [placement.target, placement.target + placement.tensor.range.upperBound - placement.tensor.range.lowerBound],
            ]
        }
        var metadata = ["format": "pt"]
        let kinds = Set(quantized.values)
        if kinds.count == 1, let only = kinds.first {
            metadata["quant_type"] = only.type
            if let group = only.groupSize { metadata["group_size"] = String(group) }
        } else {
            for (name, quantization) in quantized {
                metadata[name + ".quant_type"] = quantization.type
                if let group = quantization.groupSize { metadata[name + ".group_size"] = String(group) }
            }
        }
        object["__metadata__"] = metadata
        var json = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        json.append(contentsOf: [UInt8](repeating: 0x20, count: (8 - json.count % 8) % 8))
        var data = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        return data + json
    }

    /// Writes the merged file at `path` (a new file) and fsyncs it.
    func write(to path: String) throws {
        try FileIO.makeDirectories(FilePlacement.directory(of: path))
        let output = try FileIO.createNew(path)
        defer { close(output) }
        try header.withUnsafeBytes { try FileIO.pwriteAll(output, $0, at: 0, path: path) }
        let base = Int64(header.count)
        for source in sources {
            try copy(source, to: output, at: base, path: path)
        }
        try FileIO.fsync(output, path: path)
    }

    /// Reads one blob whole, hashing it, and writes the bytes of its
    /// tensors where the plan puts them.
    private func copy(_ source: Source, to output: Int32, at base: Int64, path: String) throws {
        let blob = try store.openBlob(source.descriptor.digest)
        defer { blob.close() }
        let hasher = SHA256Hasher()
        var offset: Int64 = 0
        var next = 0
        try blob.forEachChunk(length: source.descriptor.size) { chunk in
            hasher.update(chunk)
            let chunkEnd = offset + Int64(chunk.count)
            var index = next
            while index < source.placements.count, source.placements[index].source.lowerBound < chunkEnd {
                let placement = source.placements[index]
                let from = max(placement.source.lowerBound, offset), to = min(placement.source.upperBound, chunkEnd)
                if from < to {
                    let piece = UnsafeRawBufferPointer(rebasing: chunk[Int(from - offset)..<Int(to - offset)])
                    try FileIO.pwriteAll(output, piece, at: base + placement.target + (from - placement.source.lowerBound), path: path)
                }
                if placement.source.upperBound <= chunkEnd { next = index + 1 }
                index += 1
            }
            offset = chunkEnd
        }
        try source.descriptor.digest.verify(actualHex: hasher.finalizeHex())
    }
}
