/// Where a graph copy reads a model: a registry (`RegistrySource`), the
/// store (`StoreSource`) or an archive (`ImageLayoutSource`,
/// `DockerArchiveSource`: its members staged in the store). It names the
/// root manifest, hands out the manifests an index names, and gives a
/// blob's bytes as an open `StoredBlob` — the store's own file, or a
/// verified download in a scratch store — only when the destination must
/// be sent them.
protocol GraphSource: Sendable {
    /// What the copy reads: its registry host and repository are the
    /// mount rule's source (`GraphCopy.mountSource`).
    var reference: Reference { get }

    /// The manifest `reference` names, byte for byte as the source holds it.
    func root() async throws -> FetchedManifest

    /// The index `reference` pins when the source itself narrowed it to
    /// `root()`'s image (a pull resolves through its mirrors first): a
    /// destination pinned to it takes the image under that digest, as a
    /// pull has always stored it.
    var pinnedIndex: Digest? { get }

    /// The manifest an index names by `entry`, checked against its digest.
    func manifest(_ entry: Descriptor) async throws -> FetchedManifest

    /// `blob`'s bytes, verified, opened for reading; the copy calls
    /// `release` once the destination holds them.
    func blob(_ blob: Descriptor) async throws -> SourcedBlob

    /// Before any blob is placed: puts into `lease`'s store (the
    /// destination's own, its lock held) those of `blobs` it lacks, when
    /// the source writes into that very store (fetched all at once on one
    /// budget, or an archive's staged members adopted), and returns their
    /// digests; the copy then counts them as sent without placing them.
    /// The source counts them in its own progress. Other sources put
    /// nothing here.
    func fetchAhead(_ blobs: [Descriptor], under lease: StoreLease) async throws -> Set<Digest>
}

extension GraphSource {
    var pinnedIndex: Digest? { nil }

    func fetchAhead(_ blobs: [Descriptor], under lease: StoreLease) async throws -> Set<Digest> { [] }
}
