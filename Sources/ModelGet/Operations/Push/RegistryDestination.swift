import Foundation

/// A registry as a graph copy's destination: blobs through `BlobUploader`
/// (HEAD, mount, monolithic or chunked upload with saved sessions,
/// ollama's redirect uploads, retries within the retry window), manifests
/// by `PUT`, whose answer must name the digest of the bytes sent.
struct RegistryDestination: GraphDestination, OpenGraphDestination {
    let client: RegistryClient
    let reference: Reference
    /// Where unfinished upload sessions are remembered.
    let store: ModelStore
    let options: PushOptions
    /// The operation's upload budget per second (`--limit-rate`), shared by every blob.
    private let rateLimiter: RateLimiter?

    init(client: RegistryClient, reference: Reference, store: ModelStore, options: PushOptions) {
        self.client = client
        self.reference = reference
        self.store = store
        self.options = options
        rateLimiter = options.transfer.limitRate.map { RateLimiter(bytesPerSecond: $0) }
    }

    func whileOpen<T: Sendable>(mountFrom: String?, _ body: (RegistryDestination) async throws -> T) async throws -> T {
        try await client.authenticate(repository: reference.repository, scopes: scopes(mountFrom))
        return try await body(self)
    }

    func place(_ blob: Descriptor, mountFrom: String?, progress: TransferProgress,
               bytes: @escaping @Sendable () async throws -> StoredBlob) async throws -> BlobOutcome {
        let uploader = BlobUploader(
            client: client, repository: reference.repository, scopes: scopes(mountFrom), mountFrom: mountFrom,
            sessions: SavedUploadSessions(store: store, host: reference.host, repository: reference.repository),
            options: options, progress: progress, rateLimiter: rateLimiter)
        return try await uploader.upload(blob, source: bytes)
    }

    func putManifest(_ manifest: FetchedManifest, as name: String, mountFrom: String?) async throws {
        let stored = try await client.putManifest(repository: reference.repository, reference: name, data: manifest.data,
                                                  mediaType: manifest.mediaType, scopes: scopes(mountFrom))
        if let stored, stored != manifest.digest.description {
            throw ModelGetError.digestMismatch(digest: manifest.digest.description, actual: stored)
        }
    }

    private func scopes(_ mountFrom: String?) -> [String] {
        RegistryClient.pushScopes(reference.repository, mountFrom: mountFrom)
    }
}
