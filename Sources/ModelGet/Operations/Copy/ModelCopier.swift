import Foundation

/// Copies a model from one registry to another. Blobs the destination
/// lacks stream through a scratch directory in the models directory: each
/// is downloaded (verified), uploaded and deleted, so at most
/// `concurrency` blobs sit on disk at once. With `keep` the model is
/// pulled into the store instead and stays there. On the same registry,
/// blobs are mounted from the source repository.
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

    /// Copies `source` (on `from`'s registry) to `destination` (on `to`'s).
    public func copy(_ source: Reference, from: RegistryClient, to destination: Reference, _ to: RegistryClient,
                     platform: Platform = .current, progress: TransferProgress = TransferProgress()) async throws -> PushResult {
        let (fetched, manifest) = try await from.resolveImage(
            repository: source.repository, reference: source.manifestReference, platform: platform)
        try store.prepare()
        let scratch = keep ? nil : try store.makeScratchDirectory()
        defer { scratch?.remove() }
        let work = scratch?.store ?? store
        try work.prepare()
        let engine = options.transfer.engine()
        let fetch: @Sendable (Descriptor) async throws -> String = { blob in
            if !work.hasBlob(blob) { try await engine.download(blob, from: from, repository: source.repository, into: work) }
            return work.blobPath(blob.digest)
        }
        if keep {
            // A pull first, holding the store lock until the manifest names the blobs.
            try store.checkStorable(source)
            try await store.whileWriting {
                try await forEachConcurrently(manifest.blobs, limit: options.transfer.concurrency) { _ = try await fetch($0) }
                try store.writeManifest(fetched.data, for: source)
            }
        }

        let mountFrom = options.mountSource(sourceRegistry: from.baseURL.absoluteString, sourceRepository: source.repository,
                                            destinationRegistry: to.baseURL.absoluteString, destinationRepository: destination.repository)
        let publication = Publication(
            manifest: fetched.data, mediaType: fetched.mediaType, blobs: manifest.blobs, destination: destination,
            client: to, mountFrom: mountFrom, store: store, options: options)
        let result = try await publication.run(progress: progress, source: fetch) { blob in
            if scratch != nil { unlink(work.blobPath(blob.digest)) }
        }
        return result
    }
}
