import Foundation

/// A registry as a graph copy's source: manifests through the
/// `RegistryClient`, blobs downloaded (verified) by the `FetchEngine` into
/// a work store — a `ScratchDirectory` each blob leaves once placed, so at
/// most `concurrency` blobs sit on disk at once, or the models directory
/// itself (`copy --keep`), where they stay, all fetched ahead at once.
struct RegistrySource: GraphSource {
    let client: RegistryClient
    let reference: Reference
    let engine: FetchEngine
    /// Where blobs are downloaded to.
    let work: ModelStore
    /// Set when `work` is a scratch store: each blob is removed once placed.
    let scratch: ScratchDirectory?

    func root() async throws -> FetchedManifest {
        try await client.fetchManifest(repository: reference.repository, reference: reference.manifestReference)
    }

    func manifest(_ entry: Descriptor) async throws -> FetchedManifest {
        try await client.fetchManifest(repository: reference.repository, reference: entry.digest.description)
    }

    /// When `work` is the lease's store (`copy --keep`): every blob it
    /// lacks, through the `FetchEngine`'s one budget (`download` of them
    /// all: the free space checked for all before the first byte, small
    /// blobs in one `CommitBatch`).
    func fetchAhead(_ blobs: [Descriptor], under lease: StoreLease) async throws -> Set<Digest> {
        guard scratch == nil, work.root == lease.store.root else { return [] }
        let absent = blobs.filter { !work.hasBlob($0) }
        try await engine.download(absent, from: PullSources(client: client, repository: reference.repository), under: lease)
        return Set(absent.map(\.digest))
    }

    /// The blob from `work`, downloaded there first (under `work`'s own
    /// lock) when it is not.
    func blob(_ blob: Descriptor) async throws -> SourcedBlob {
        let bytes = try await work.whileWriting { lease in
            if !work.hasBlob(blob) {
                try await engine.download(blob, from: client, repository: reference.repository, under: lease)
            }
            return try work.openBlob(blob.digest)
        }
        return SourcedBlob(bytes: bytes) { [scratch] in
            bytes.close()
            scratch?.removeBlob(blob.digest)
        }
    }
}
