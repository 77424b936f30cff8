import Foundation

/// A pull's graph source: the image `PullSources.resolveImage` found (an
/// index already narrowed to the platform, from the first of the mirrors
/// and the registry that answered), and its blobs fetched by the
/// `FetchEngine` straight into the store from that source on (mirrors
/// first, each blob verified whatever served it), all the store lacks at
/// once on one budget (`fetchAhead`).
struct PullSource: GraphSource {
    let reference: Reference
    /// The image manifest, byte for byte as the answering source served it.
    let image: FetchedManifest
    /// The sources from the one that served `image` on.
    let sources: PullSources
    let engine: FetchEngine
    /// The models directory the blobs are fetched into.
    let store: ModelStore

    /// The index `reference` pins, when `image` was chosen from it.
    var pinnedIndex: Digest? { reference.digest == image.digest ? nil : reference.digest }

    func root() async throws -> FetchedManifest { image }

    func manifest(_ entry: Descriptor) async throws -> FetchedManifest {
        try await sources.client(at: 0).fetchManifest(repository: sources.repository(at: 0), reference: entry.digest.description)
    }

    /// Every blob of `blobs` the store lacks, through the engine's one
    /// budget (the free space checked for all before the first byte, small
    /// blobs in one `CommitBatch`), when the lease's store is the pull's own.
    func fetchAhead(_ blobs: [Descriptor], under lease: StoreLease) async throws -> Set<Digest> {
        guard lease.store.root == store.root else { return [] }
        let absent = blobs.filter { !store.hasBlob($0) }
        try await engine.download(absent, from: sources, under: lease)
        return Set(absent.map(\.digest))
    }

    /// The blob from the store, downloaded first (under the store's lock)
    /// when it is not there.
    func blob(_ blob: Descriptor) async throws -> SourcedBlob {
        let bytes = try await store.whileWriting { lease in
            if !store.hasBlob(blob) { try await engine.download(blob, from: sources, under: lease) }
            return try store.openBlob(blob.digest)
        }
        return SourcedBlob(bytes: bytes) { bytes.close() }
    }
}
