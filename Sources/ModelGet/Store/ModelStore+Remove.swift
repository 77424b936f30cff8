import Foundation

/// What removing a model did.
public struct RemovalResult: Sendable {
    /// The model removed.
    public var model: StoredModel
    /// Its blobs that no other manifest names, now deleted.
    public var removedBlobs: [Descriptor]
    /// Its blobs kept because another manifest names them.
    public var keptBlobs: [Descriptor]

    /// Bytes freed by the deleted blobs.
    public var freedBytes: Int64 { removedBlobs.reduce(0) { $0 + $1.size } }
}

extension ModelStore {
    /// Removes a model as `ollama rm` does: the manifest first, then each of
    /// its blobs that no remaining manifest names (an unreadable manifest
    /// keeps every blob it mentions). Empty manifest directories go too.
    public func remove(_ reference: Reference) throws -> RemovalResult {
        let model = try model(reference)
        guard unlink(model.manifestPath) == 0 else { throw FileIO.error(model.manifestPath) }
        FileIO.removeEmptyParents(of: model.manifestPath, upTo: manifestsDirectory)
        let stillNeeded = try catalog().referencedDigests
        var result = RemovalResult(model: model, removedBlobs: [], keptBlobs: [])
        for blob in model.manifest.blobs {
            if stillNeeded.contains(blob.digest) {
                result.keptBlobs.append(blob)
            } else {
                try removeBlob(blob.digest)
                result.removedBlobs.append(blob)
            }
        }
        return result
    }
}
