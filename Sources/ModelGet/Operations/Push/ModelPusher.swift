import Foundation

/// Pushes a model from the store to a registry: every blob the manifest
/// names is made present at the destination (skipped, mounted or sent,
/// `concurrency` at once), then the manifest goes up last, byte for byte
/// under its own media type, so its digest is the one in the store.
public struct ModelPusher: Sendable {
    public let store: ModelStore
    public let options: PushOptions

    public init(store: ModelStore, options: PushOptions = PushOptions()) {
        self.store = store
        self.options = options
    }

    /// Pushes the stored model `source` to `destination`, on `client`'s
    /// registry. Blobs are mounted from `options.mountFrom`, else from the
    /// repository the store pulled the model from when that is another
    /// repository of the same registry.
    public func push(_ source: Reference, to destination: Reference, client: RegistryClient,
                     progress: TransferProgress = TransferProgress()) async throws -> PushResult {
        // Found as ollama finds names (each part ignoring case); a pinned digest must be the stored one.
        let path = try store.resolvedManifestPath(source)
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelGetError.manifestUnknown(reference: source.description + " (not in the models directory)")
        }
        let (document, mediaType) = try ManifestDocument.decode(data, contentType: nil)
        guard case let .image(manifest) = document else {
            throw ModelGetError.invalidManifest(reason: "\(source) is an image index; push one of its image manifests")
        }
        for blob in manifest.blobs where !store.hasBlob(blob) {
            throw store.missingBlob(blob.digest, reason: "blob missing from the models directory; pull \(source) again")
        }
        let mountFrom = options.mountSource(sourceRegistry: source.host, sourceRepository: source.repository,
                                            destinationRegistry: destination.host, destinationRepository: destination.repository)
        let publication = Publication(manifest: data, mediaType: mediaType, blobs: manifest.blobs, destination: destination,
                                      client: client, mountFrom: mountFrom, store: store, options: options)
        return try await publication.run(progress: progress, source: { store.blobPath($0.digest) }, uploaded: { _ in })
    }
}
