import Foundation

/// Writes small but well-formed GGUF v3 files (ggml `docs/gguf.md`): a
/// header with string, integer and array metadata, tensor descriptions,
/// then `dataSize` bytes standing in for the tensor data.
public enum GGUFBuilder {
    /// One tensor description: name and dimensions (type F32).
    public struct Tensor: Sendable {
        public var name: String
        public var dimensions: [UInt64]
        public init(_ name: String, _ dimensions: [UInt64]) {
            self.name = name
            self.dimensions = dimensions
        }
    }

    /// A GGUF file: `general.architecture`, `general.file_type`,
    /// `<architecture>.context_length`, a vocabulary of `vocabulary` strings
    /// (so the header can be made larger than a first read), the tensors.
    public static func file(architecture: String, fileType: UInt32, contextLength: UInt32, vocabulary: Int = 16,
                            tensors: [Tensor], dataSize: Int = 4096) -> Data {
        var out = Data("GGUF".utf8)
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func u64(_ v: UInt64) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        func string(_ s: String) { u64(UInt64(s.utf8.count)); out.append(contentsOf: Array(s.utf8)) }
        u32(3)
        u64(UInt64(tensors.count))
        u64(4)
        string("general.architecture"); u32(8); string(architecture)
        string("general.file_type"); u32(4); u32(fileType)
        string(architecture + ".context_length"); u32(4); u32(contextLength)
        string("tokenizer.ggml.tokens"); u32(9); u32(8); u64(UInt64(vocabulary))
        for token in 0..<vocabulary { string("token-\(token)") }
        var offset: UInt64 = 0
        for tensor in tensors {
            string(tensor.name)
            u32(UInt32(tensor.dimensions.count))
            tensor.dimensions.forEach(u64)
            u32(0)
            u64(offset)
            offset += tensor.dimensions.reduce(1, *) * 4
        }
        while out.count % 32 != 0 { out.append(0) }
        var generator = SplitMix64(seed: UInt64(dataSize))
        var data = Data(count: dataSize)
        data.withUnsafeMutableBytes { generator.fill($0) }
        return out + data
    }
}
