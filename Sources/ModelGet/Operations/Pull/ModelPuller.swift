import Foundation

/// Pulls a model into a store: the manifest resolved from the first of
/// the mirrors and the registry that has it (an index narrowed to the
/// platform), then the graph copy from a `RegistrySource` to a
/// `StoreDestination`: every missing blob fetched at once (`concurrency`
/// at once, each verified) under the store lock, the manifest written only
/// after every blob it names is in place.
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
        try await pull(reference, sources: PullSources(client: client, reference: reference), storeAs: storeAs, progress: progress)
    }

    /// Pulls `reference` from `sources` (its mirrors, then its registry:
    /// `SourceRouter.sources(for:insecure:)`), stored under `storeAs` when given.
    public func pull(_ reference: Reference, sources: PullSources, storeAs: Reference? = nil,
                     progress: TransferProgress = TransferProgress()) async throws -> PullResult {
        // Before the network: a name the store cannot hold fails at once.
        try store.checkStorable(storeAs ?? reference)
        let (fetched, _, serving) = try await sources.resolveImage(platform: options.platform)
        return try await pull(reference, image: fetched, sources: serving, storeAs: storeAs, progress: progress)
    }

    /// Pulls the image `sources.resolveImage` already found as `image` (for
    /// `options.platform`), with no further request for its manifest.
    package func pull(_ reference: Reference, image fetched: FetchedManifest, sources serving: PullSources, storeAs: Reference? = nil,
                      progress: TransferProgress) async throws -> PullResult {
        let storeName = storeAs ?? reference
        let source = RegistrySource(reference: reference, image: fetched, sources: serving,
                                    engine: options.transfer.engine(progress: progress), store: store)
        let copy = GraphCopy(concurrency: options.transfer.concurrency, mountFrom: nil, platforms: .one(options.platform))
        let copied = try await copy.copy(from: source, to: StoreDestination(store: store, reference: storeName), progress: progress)
        return PullResult(
            reference: reference.description, manifestDigest: copied.manifestDigest, blobs: copied.blobs,
            totalBytes: copied.totalBytes, blobsPresent: copied.skipped, bytesTransferred: copied.bytesTransferred)
    }
}
