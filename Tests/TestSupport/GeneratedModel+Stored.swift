import Foundation

extension GeneratedModel {
    /// What is wrong with this model's blobs in the models directory at
    /// `models` (ollama's `blobs/sha256-<hex>`): one line per blob that is
    /// missing, of another size, or whose bytes hash to another digest.
    /// Empty when the store holds every blob exactly.
    public func storeProblems(inModelsDirectory models: String) throws -> [String] {
        try ([config] + layers).compactMap { blob in
            guard let data = FileManager.default.contents(atPath: models + "/blobs/sha256-" + blob.hex) else {
                return "\(blob.digest): missing"
            }
            if Int64(data.count) != blob.size { return "\(blob.digest): \(data.count) bytes, not \(blob.size)" }
            let digest = "sha256:" + (try SHA256Hasher.hex(of: data))
            return digest == blob.digest ? nil : "\(blob.digest): the bytes hash to \(digest)"
        }
    }
}
