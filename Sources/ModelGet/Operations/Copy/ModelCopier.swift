import Foundation

/// Copies a model from one registry to another: the graph copy from a
/// `RegistrySource` to a `RegistryDestination`. Blobs the destination
/// lacks stream through a scratch directory in the models directory: each
/// is downloaded (verified), uploaded and deleted, so at most
/// `concurrency` blobs sit on disk at once. With `keep` the model is
/// first copied into the store (a pull: a `StoreDestination`) and stays
/// there, and the copy to the destination reads it from there. On the
/// same registry, blobs are mounted from the source repository.
public struct ModelCopier: Sendable {
    public let store: ModelStore
    public let options: PushOptions
    /// Keep the model in the store (a pull plus a push).
    public let keep: Bool

    public init(store: ModelStore, options: PushOptions = PushOptions(), keep: Bool = false) {
        self.store = store
        self.options = options
        self.keep = keep
    }

    /// Copies `source` (on `from`'s registry) to `destination` (on `to`'s);
    /// an index is narrowed to `platform`'s image.
    public func copy(_ source: Reference, from: RegistryClient, to destination: Reference, _ to: RegistryClient,
                     platform: Platform = .current, progress: TransferProgress = TransferProgress()) async throws -> PushResult {
        try await copy(source, from: from, to: destination, to, platforms: .one(platform), progress: progress)
    }

    /// `copy --all-platforms`: when `source` is an index, every image it
    /// names is copied (blobs, then its manifest by digest), then the index
    /// itself, all byte for byte; an image manifest is copied as `copy` does.
    /// The result counts each blob of the images once; its digest is the index's.
    public func copyAllPlatforms(_ source: Reference, from: RegistryClient, to destination: Reference, _ to: RegistryClient,
                                 progress: TransferProgress = TransferProgress()) async throws -> PushResult {
        try await copy(source, from: from, to: destination, to, platforms: .all, progress: progress)
    }

    private func copy(_ source: Reference, from: RegistryClient, to destination: Reference, _ to: RegistryClient,
                      platforms: GraphCopy.Platforms, progress: TransferProgress) async throws -> PushResult {
        try store.prepare()
        let scratch = keep ? nil : try store.makeScratchDirectory()
        defer { scratch?.remove() }
        let work = scratch?.store ?? store
        try work.prepare()
        let reading = RegistrySource(client: from, reference: source, engine: options.transfer.engine(), work: work, scratch: scratch)
        let copy = GraphCopy(concurrency: options.transfer.concurrency, mountFrom: options.mountFrom, platforms: platforms)
        if keep {
            // A pull first: the blobs land in the store, its images are named there.
            var kept = source
            kept.digest = nil
            _ = try await copy.copy(from: reading, to: StoreDestination(store: store, reference: kept), progress: TransferProgress())
        }
        return try await copy.copy(from: reading, to: RegistryDestination(client: to, reference: destination, store: store, options: options),
                                   progress: progress)
    }
}
