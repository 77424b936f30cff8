import Foundation
import ModelGet
import TestSupport

/// Writes generated models into a models directory the way ollama itself
/// does: each blob at `blobs/sha256-<hex>`, the manifest bytes at
/// `manifests/<path>` with the case as given.
struct OllamaStoreWriter {
    let models: URL

    func place(_ model: GeneratedModel, at path: String) throws {
        for blob in [model.config] + model.layers { try placeBlob(blob) }
        try write(model.manifest, at: "manifests/" + path)
    }

    func placeBlob(_ blob: GeneratedModel.Blob) throws {
        let destination = models.appendingPathComponent("blobs/" + blob.digest.replacingOccurrences(of: "sha256:", with: "sha256-"))
        guard !FileManager.default.fileExists(atPath: destination.path) else { return }
        try FileManager.default.createDirectory(at: destination.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: blob.path, to: destination)
    }

    func write(_ data: Data, at path: String) throws {
        let url = models.appendingPathComponent(path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
    }

    /// Every blob of `model` is in place and hashes to its digest.
    func holdsEveryBlob(of model: GeneratedModel) -> Bool {
        ([model.config] + model.layers).allSatisfy { blob in
            let path = models.path + "/blobs/" + blob.digest.replacingOccurrences(of: "sha256:", with: "sha256-")
            guard let data = FileManager.default.contents(atPath: path) else { return false }
            return "sha256:" + SHA256Hasher.hex(of: data) == blob.digest
        }
    }
}
