/// Where a graph copy writes a model: a registry (`RegistryDestination`),
/// the store (`StoreDestination`) or an OCI layout. The copy opens it
/// once, makes every blob present, then puts the manifests, children
/// before their index.
protocol GraphDestination: Sendable {
    /// What the copy writes to while the destination is open: the
    /// destination itself, or (the store) the destination with its lock held.
    associatedtype Opened: OpenGraphDestination

    /// Where the model goes: its tag (or digest) names the root manifest.
    var reference: Reference { get }

    /// Runs the copy's writes while the destination is open: a registry
    /// authenticates once with every scope (`mountFrom`'s pull scope
    /// among them); the store holds its lock, so no prune removes a blob
    /// before the manifest names it, and hands its lease on in `Opened`.
    func whileOpen<T: Sendable>(mountFrom: String?, _ body: (Opened) async throws -> T) async throws -> T
}

/// A graph copy's destination once open (`GraphDestination.whileOpen`):
/// where its blobs are placed and its manifests put.
protocol OpenGraphDestination: Sendable {
    /// The lease on the models directory the destination writes to, when
    /// it is one (a source may fetch straight into it: `GraphSource.fetchAhead`).
    var storeLease: StoreLease? { get }

    /// Makes `blob` present, the cheapest way first: held already
    /// (`.skipped`), mounted from `mountFrom`, another repository of the
    /// same registry (`.mounted`), else written from `bytes`, which is
    /// called only then and may be called again by a retry (`.sent`).
    /// Counts what it did in `progress`.
    func place(_ blob: Descriptor, mountFrom: String?, progress: TransferProgress,
               bytes: @escaping @Sendable () async throws -> StoredBlob) async throws -> BlobOutcome

    /// Puts `manifest` byte for byte under its media type, by `name`: the
    /// root's tag, or a digest (an index's images); `mountFrom` as
    /// `whileOpen` was given it (a registry asks with the same scopes).
    func putManifest(_ manifest: FetchedManifest, as name: String, mountFrom: String?) async throws
}

extension OpenGraphDestination {
    var storeLease: StoreLease? { nil }
}
