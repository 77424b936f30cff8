import Foundation

extension ModelStore {
    /// What removing a model did.
    public struct RemovalResult: Sendable {
        /// The model removed.
        public var model: StoredModel
        /// Its blobs that no other manifest names, now deleted (only those
        /// that were present).
        public var removedBlobs: [Descriptor]
        /// Its blobs kept because another manifest names them (or, with
        /// `keptForRunningPull`, all of them).
        public var keptBlobs: [Descriptor]
        /// Bytes freed by the deleted blobs, as they were on disk.
        public var freedBytes: Int64 = 0
        /// True when a pull was running (it held the store lock), so every
        /// blob was kept: `prune` removes the unused ones later.
        public var keptForRunningPull = false
    }

    /// Removes a model as `ollama rm` does: the manifest first, then each of
    /// its blobs that no remaining manifest names (an unreadable manifest
    /// keeps every blob it mentions). Empty manifest directories go too.
    /// Nothing is removed when a file or folder under `manifests/` cannot
    /// be read; no blob is removed while a pull holds the store lock.
    public func remove(_ reference: Reference) throws -> RemovalResult {
        let lock = try lockForDeleting()
        defer { lock?.release() }
        if let blocked = try catalog().unknownNeeds { throw ModelGetError.storeUnreadable(path: blocked.path, reason: blocked.reason) }
        let model = try model(reference)
        guard unlink(model.manifestPath) == 0 else { throw FileIO.error(model.manifestPath) }
        FileIO.removeEmptyParents(of: model.manifestPath, upTo: manifestsDirectory)
        var result = RemovalResult(model: model, removedBlobs: [], keptBlobs: [], keptForRunningPull: lock == nil)
        let stillNeeded = try catalog().referencedDigests
        var seen = Set<Digest>()
        for blob in model.manifest.blobs where seen.insert(blob.digest).inserted {
            if lock == nil || stillNeeded.contains(blob.digest) {
                result.keptBlobs.append(blob)
                continue
            }
            guard let freed = try removeBlob(blob.digest) else { continue }
            result.removedBlobs.append(blob)
            result.freedBytes += freed
        }
        return result
    }
}
