import Foundation

/// The part push and copy share: make every blob present at the
/// destination, then put the manifest.
struct Publication: Sendable {
    let manifest: Data
    let mediaType: String
    let blobs: [Descriptor]
    let destination: Reference
    let client: RegistryClient
    let mountFrom: String?
    /// Where unfinished upload sessions are remembered.
    let store: ModelStore
    let options: PushOptions

    /// `source` gives the path of a blob's bytes when they must be sent;
    /// `uploaded` is told when a blob is present at the destination.
    func run(progress: TransferProgress, source: @escaping @Sendable (Descriptor) async throws -> String,
             uploaded: @escaping @Sendable (Descriptor) throws -> Void) async throws -> PushResult {
        let manifestDigest = try Digest(hex: SHA256Hasher.hex(of: manifest))
        if let pinned = destination.digest, pinned != manifestDigest {
            throw ModelGetError.digestMismatch(digest: pinned.description, actual: manifestDigest.hex)
        }
        let repository = destination.repository
        let mount = mountFrom == repository ? nil : mountFrom
        let scopes = RegistryClient.pushScopes(repository, mountFrom: mount)
        try await client.authenticate(repository: repository, scopes: scopes)

        progress.addTotal(bytes: blobs.reduce(0) { $0 + $1.size }, blobs: blobs.count)
        let uploader = BlobUploader(
            client: client, repository: repository, scopes: scopes, mountFrom: mount,
            sessions: SavedUploadSessions(store: store, host: destination.host, repository: repository),
            options: options, progress: progress, rateLimiter: options.transfer.limitRate.map { RateLimiter(bytesPerSecond: $0) })
        let tally = PushTally()
        // Biggest first: a huge blob starts early instead of trailing at the end.
        try await forEachConcurrently(blobs.sorted { $0.size > $1.size }, limit: options.transfer.concurrency) { blob in
            let outcome = try await uploader.upload(blob) { try await source(blob) }
            tally.record(outcome, size: blob.size)
            try uploaded(blob)
        }

        let reference = destination.tag ?? manifestDigest.description
        let stored = try await client.putManifest(repository: repository, reference: reference, data: manifest,
                                                  mediaType: mediaType, scopes: scopes)
        if let stored, stored != manifestDigest.description {
            throw ModelGetError.digestMismatch(digest: manifestDigest.description, actual: stored)
        }
        return tally.result(reference: destination.description, manifestDigest: manifestDigest.description,
                            blobs: blobs, transferred: progress.transferredBytes)
    }
}
