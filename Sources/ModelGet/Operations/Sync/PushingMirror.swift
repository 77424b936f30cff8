/// Sync's mirror step on the push engine: pushes a stored model to the
/// mirror registry, with one client per registry shared by every model so
/// they share its tokens.
public struct PushingMirror: ModelMirror {
    public let pusher: ModelPusher
    public let connections: RegistryConnections

    /// `connections` default to new ones with `options`' stall timeout.
    public init(store: ModelStore, connections: RegistryConnections? = nil, options: PushOptions = PushOptions()) {
        self.pusher = ModelPusher(store: store, options: options)
        self.connections = connections ?? RegistryConnections(stallTimeout: options.transfer.stallTimeout, retry: options.transfer.retry)
    }

    public func push(_ source: Reference, to destination: Reference, insecure: Bool, progress: TransferProgress) async throws {
        let client = try await connections.client(for: destination, insecure: insecure)
        _ = try await pusher.push(source, to: destination, client: client, progress: progress)
    }
}
