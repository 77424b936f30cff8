import Foundation

extension ModelStore {
    /// Stores `source`'s manifest, byte for byte, under `target` too (as
    /// `ollama cp` and `docker tag` do): no blob is copied, both names share
    /// them. An existing `target` is replaced. Fails when `source` is not
    /// stored, or when a blob it names is missing (run `verify --repair`).
    @discardableResult
    public func tag(_ source: Reference, as target: Reference) async throws -> StoredModel {
        try checkStorable(target)
        // Held from the check of the blobs until the manifest names them, so
        // an `rm` and a prune meanwhile cannot take a blob the copy names.
        try await whileWriting { lease in
            let model = try model(source)
            let missing = model.manifest.blobs.filter { !hasBlob($0) }
            if let first = missing.first {
                throw ModelGetError.fileSystem(path: blobPath(first.digest),
                                               reason: "\(source.displayName) lacks \(missing.count) of its blobs; run modelget verify --repair \(source.displayName)")
            }
            let data: Data
            do {
                data = try Data(contentsOf: URL(fileURLWithPath: model.manifestPath))
            } catch {
                throw ModelGetError.fileSystem(path: model.manifestPath, reason: "cannot read the manifest: \(error.localizedDescription)")
            }
            try writeManifest(data, for: target, under: lease)
        }
        return try self.model(target)
    }
}
