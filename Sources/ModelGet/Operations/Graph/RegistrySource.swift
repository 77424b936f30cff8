import Foundation

/// A registry as a graph copy's source: manifests and blobs from its
/// `PullSources` — a pull's or a sync's image sources (its mirrors, then
/// its registry, from the one that served the manifest on), or for `copy`
/// one client — each blob downloaded (verified, whatever served it) by the
/// `FetchEngine` into a work store: the models directory itself (pull,
/// sync, `copy --keep`), where every blob it lacks is fetched ahead at
/// once and stays, or a `ScratchDirectory` each blob leaves once placed
/// (`copy`), so at most `concurrency` blobs sit on disk at once.
struct RegistrySource: GraphSource {
    let reference: Reference
    /// Where manifests are read (the first) and blobs come from (the first, then the ones after it).
    let sources: PullSources
    let engine: FetchEngine
    /// Where blobs are downloaded to.
    let work: ModelStore
    /// Set when `work` is a scratch store: each blob is removed once placed.
    let scratch: ScratchDirectory?
    /// The image already resolved (`PullSources.resolveImage`: an index
    /// narrowed to the platform), byte for byte as its source served it;
    /// nil: `root()` reads the manifest `reference` names.
    let resolved: FetchedManifest?

    /// `client`'s registry alone, read into `work` (`copy`).
    init(client: RegistryClient, reference: Reference, engine: FetchEngine, work: ModelStore, scratch: ScratchDirectory?) {
        self.init(reference: reference, sources: PullSources(client: client, reference: reference), engine: engine,
                  work: work, scratch: scratch, resolved: nil)
    }

    /// The image `sources` resolved for `reference`, its blobs fetched
    /// into `store` from `sources` (`pull`, and each model of a `sync`).
    init(reference: Reference, image: FetchedManifest, sources: PullSources, engine: FetchEngine, store: ModelStore) {
        self.init(reference: reference, sources: sources, engine: engine, work: store, scratch: nil, resolved: image)
    }

    private init(reference: Reference, sources: PullSources, engine: FetchEngine, work: ModelStore,
                 scratch: ScratchDirectory?, resolved: FetchedManifest?) {
        self.reference = reference
        self.sources = sources
        self.engine = engine
        self.work = work
        self.scratch = scratch
        self.resolved = resolved
    }

    /// The index `reference` pins, when the resolved image was chosen from it.
    var pinnedIndex: Digest? {
        guard let resolved, let pinned = reference.digest, pinned != resolved.digest else { return nil }
        return pinned
    }

    func root() async throws -> FetchedManifest {
        if let resolved { return resolved }
        return try await sources.client(at: 0).fetchManifest(repository: sources.repository(at: 0),
                                                             reference: reference.manifestReference)
    }

    func manifest(_ entry: Descriptor) async throws -> FetchedManifest {
        try await sources.client(at: 0).fetchManifest(repository: sources.repository(at: 0), reference: entry.digest.description)
    }

    /// When `work` is the lease's store (pull, sync, `copy --keep`): every
    /// blob of `blobs` it lacks, through the engine's one budget (`download`
    /// of them all: the free space checked for all before the first byte,
    /// small blobs in one `CommitBatch`).
    func fetchAhead(_ blobs: [Descriptor], under lease: StoreLease) async throws -> Set<Digest> {
        guard scratch == nil, work.root == lease.store.root else { return [] }
        let absent = blobs.filter { !work.hasBlob($0) }
        try await engine.download(absent, from: sources, under: lease)
        return Set(absent.map(\.digest))
    }

    /// The blob from `work`, downloaded there first (under `work`'s own
    /// lock) when it is not.
    func blob(_ blob: Descriptor) async throws -> SourcedBlob {
        let bytes = try await work.whileWriting { lease in
            if !work.hasBlob(blob) { try await engine.download(blob, from: sources, under: lease) }
            return try work.openBlob(blob.digest)
        }
        return SourcedBlob(bytes: bytes) { [scratch] in
            bytes.close()
            scratch?.removeBlob(blob.digest)
        }
    }
}
