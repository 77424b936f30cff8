import Foundation

extension ModelCopier {
    /// `copy --all-platforms`: when `source` is an index, every image it
    /// names is copied (blobs, then its manifest by digest), then the index
    /// itself, all byte for byte; an image manifest is copied as `copy` does.
    /// The result sums the children's blobs; its digest is the index's.
    public func copyAllPlatforms(_ source: Reference, from: RegistryClient, to destination: Reference, _ to: RegistryClient,
                                 progress: TransferProgress = TransferProgress()) async throws -> PushResult {
        let fetched = try await from.fetchManifest(repository: source.repository, reference: source.manifestReference)
        guard case let .index(index) = fetched.document else {
            return try await copy(source, from: from, to: destination, to, progress: progress)
        }
        var total = PushResult(reference: destination.description, manifestDigest: fetched.digest.description, blobs: 0,
                               totalBytes: 0, skipped: 0, skippedBytes: 0, mounted: 0, mountedBytes: 0, sent: 0,
                               sentBytes: 0, bytesTransferred: 0)
        for entry in index.manifests {
            guard !MediaType.isIndex(entry.mediaType) else {
                throw ModelGetError.invalidManifest(reason: "index entry \(entry.digest) is itself an index; modelget copies one level")
            }
            var child = source
            child.tag = nil
            child.digest = entry.digest
            var target = destination
            target.tag = nil
            target.digest = entry.digest
            let result = try await copy(child, from: from, to: target, to, progress: progress)
            total.blobs += result.blobs
            total.totalBytes += result.totalBytes
            total.skipped += result.skipped
            total.skippedBytes += result.skippedBytes
            total.mounted += result.mounted
            total.mountedBytes += result.mountedBytes
            total.sent += result.sent
            total.sentBytes += result.sentBytes
        }
        let scopes = RegistryClient.pushScopes(destination.repository, mountFrom: nil)
        let stored = try await to.putManifest(repository: destination.repository, reference: destination.manifestReference,
                                              data: fetched.data, mediaType: fetched.mediaType, scopes: scopes)
        if let stored, stored != fetched.digest.description {
            throw ModelGetError.digestMismatch(digest: fetched.digest.description, actual: stored)
        }
        total.bytesTransferred = progress.transferredBytes
        return total
    }
}
