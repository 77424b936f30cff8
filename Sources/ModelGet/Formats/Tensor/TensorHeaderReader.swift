import Foundation
import Synchronization

/// Reads the safetensors header at the start of a tensor layer, without
/// the tensor data: from a store blob file here, or from a registry with
/// small ranged reads (`TensorHeaderReader+Registry`, used by `show --remote`).
enum TensorHeaderReader {
    /// The header bytes one model's reading may take in all: each header is
    /// reserved here, by the length its first 8 bytes give, before its JSON
    /// is read, so a model whose layers name huge headers is refused in one
    /// line instead of read into memory.
    final class Budget: Sendable {
        /// Generous: ollama's tensor models keep one small header per blob,
        /// under 1 MiB together. Parsed, a header takes up to ~9 times its
        /// size (a million dense tensor entries), so this keeps `show`
        /// under about 0.6 GB whatever the model says.
        static let defaultLimit: Int64 = 64 << 20

        let limit: Int64
        private let model: String
        private let used = Mutex<Int64>(0)

        init(model: String, limit: Int64 = Budget.defaultLimit) {
            self.model = model
            self.limit = limit
        }

        /// Takes `length` header bytes of `source` from the budget, or throws.
        func reserve(_ length: Int64, source: String) throws {
            let fits = used.withLock { used in
                guard used + length <= limit else { return false }
                used += length
                return true
            }
            guard fits else {
                throw ModelGetError.invalidTensorModel(
                    model: model, reason: "its safetensors headers add up to more than \(ProgressFormat.bytes(limit)) "
                        + "(the \(ProgressFormat.bytes(length)) header of \(source) passes the limit); refusing to read them")
            }
        }
    }

    /// The header of a blob (a `StoredBlob`), its length taken from `budget` first.
    static func read(_ blob: any RandomAccessReader, source: String, budget: Budget? = nil) throws -> SafetensorsHeader {
        var lengthBytes = Data(count: 8)
        if blob.size >= 8 {
            try lengthBytes.withUnsafeMutableBytes { try blob.read(into: $0, at: 0) }
        }
        let length = try SafetensorsHeader.jsonLength(lengthBytes: lengthBytes, fileSize: blob.size, source: source)
        try budget?.reserve(length, source: source)
        var bytes = Data(count: Int(8 + length))
        try bytes.withUnsafeMutableBytes { try blob.read(into: $0, at: 0) }
        return try SafetensorsHeader.parse(bytes, fileSize: blob.size, source: source)
    }
}
