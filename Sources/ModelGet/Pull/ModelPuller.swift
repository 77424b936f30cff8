import Foundation

/// Options for a pull.
public struct PullOptions: Sendable {
    /// Requests in flight at once (small blobs and parts of large ones share them).
    public var concurrency: Int
    /// The platform chosen from an image index.
    public var platform: Platform
    /// Retries per blob.
    public var retry: RetryPolicy
    /// How large blobs are split into parallel ranged parts.
    public var parts: PartPlan
    /// Bytes per second for the whole pull, across every connection (nil: no limit).
    public var limitRate: Int64?

    public init(concurrency: Int = 64, platform: Platform = .current, retry: RetryPolicy = RetryPolicy(),
                parts: PartPlan = PartPlan(), limitRate: Int64? = nil) {
        self.concurrency = concurrency
        self.platform = platform
        self.retry = retry
        self.parts = parts
        self.limitRate = limitRate
    }
}

/// What a finished pull did.
public struct PullResult: Sendable, Equatable {
    public var reference: String
    public var manifestDigest: String
    public var blobs: Int
    public var totalBytes: Int64
    /// Blobs that were already in the store.
    public var blobsPresent: Int
    /// Bytes that crossed the network.
    public var bytesTransferred: Int64
}

/// Pulls a model into a store: resolve the manifest, fetch every blob that
/// is missing (`concurrency` at once, each verified), then write the
/// manifest, only after every blob it names is in place.
public struct ModelPuller: Sendable {
    public let store: ModelStore
    public let options: PullOptions

    public init(store: ModelStore, options: PullOptions = PullOptions()) {
        self.store = store
        self.options = options
    }

    /// Pulls `reference` from `client`'s registry, stored under `storeAs`
    /// when given (a nested repository must be: see `checkStorable`).
    public func pull(_ reference: Reference, client: RegistryClient, storeAs: Reference? = nil,
                     progress: TransferProgress = TransferProgress()) async throws -> PullResult {
        let storeName = storeAs ?? reference
        try store.checkStorable(storeName)
        let (fetched, manifest) = try await client.resolveImage(
            repository: reference.repository, reference: reference.manifestReference, platform: options.platform)
        try store.prepare()
        // Held until the manifest names every blob: a prune meanwhile keeps them.
        return try await store.whileWriting {
            try await pull(fetched: fetched, manifest: manifest, reference: reference, storeName: storeName, client: client, progress: progress)
        }
    }

    private func pull(fetched: FetchedManifest, manifest: ImageManifest, reference: Reference, storeName: Reference,
                      client: RegistryClient, progress: TransferProgress) async throws -> PullResult {
        let blobs = manifest.blobs
        progress.addTotal(bytes: blobs.reduce(0) { $0 + $1.size }, blobs: blobs.count)
        var missing: [Descriptor] = []
        for blob in blobs {
            if store.hasBlob(blob) {
                progress.addPresent(blob.size)
                progress.blobDone()
            } else {
                missing.append(blob)
            }
        }
        let engine = FetchEngine(concurrency: options.concurrency, retry: options.retry, parts: options.parts,
                                 limitRate: options.limitRate, progress: progress)
        try await engine.download(missing, from: client, repository: reference.repository, into: store)
        try store.writeManifest(fetched.data, for: storeName)
        return PullResult(
            reference: reference.description, manifestDigest: fetched.digest.description, blobs: blobs.count,
            totalBytes: progress.totalBytes, blobsPresent: blobs.count - missing.count,
            bytesTransferred: progress.transferredBytes)
    }
}
