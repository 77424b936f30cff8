import Foundation

/// Pushes a model from the store to a registry: the graph copy from a
/// `StoreSource` to a `RegistryDestination`. Every blob the manifest
/// names is made present at the destination (skipped, mounted or sent
/// from the stored file, `concurrency` at once), then the manifest goes
/// up last, byte for byte under its own media type, so its digest is the
/// one in the store.
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
        let copy = GraphCopy(concurrency: options.transfer.concurrency, mountFrom: options.mountFrom, platforms: .one(.current))
        return try await copy.copy(from: StoreSource(store: store, reference: source),
                                   to: RegistryDestination(client: client, reference: destination, store: store, options: options),
                                   progress: progress)
    }
}
