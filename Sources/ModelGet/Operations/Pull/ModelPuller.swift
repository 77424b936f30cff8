import Foundation

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
        try await pull(reference, sources: PullSources(client: client, reference: reference), storeAs: storeAs, progress: progress)
    }

    /// Pulls `reference` from `sources` (its mirrors, then its registry:
    /// `SourceRouter.sources(for:insecure:)`), stored under `storeAs` when given.
    public func pull(_ reference: Reference, sources: PullSources, storeAs: Reference? = nil,
                     progress: TransferProgress = TransferProgress()) async throws -> PullResult {
        let storeName = storeAs ?? reference
        try store.checkStorable(storeName)
        let (fetched, manifest, serving) = try await sources.resolveImage(platform: options.platform)
        try store.prepare()
        // Held until the manifest names every blob: a prune meanwhile keeps them.
        return try await store.whileWriting {
            try await pull(fetched: fetched, manifest: manifest, reference: reference, storeName: storeName, sources: serving, progress: progress)
        }
    }

    private func pull(fetched: FetchedManifest, manifest: ImageManifest, reference: Reference, storeName: Reference,
                      sources: PullSources, progress: TransferProgress) async throws -> PullResult {
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
        let engine = options.transfer.engine(progress: progress)
        try await engine.download(missing, from: sources, into: store)
        progress.phase = .writingManifest
        try store.writeManifest(fetched.data, for: storeName)
        progress.phase = .done
        return PullResult(
            reference: reference.description, manifestDigest: fetched.digest.description, blobs: blobs.count,
            totalBytes: progress.totalBytes, blobsPresent: blobs.count - missing.count,
            bytesTransferred: progress.transferredBytes)
    }
}
