import Foundation

/// A registry as a graph copy's source: manifests through the
/// `RegistryClient`, blobs downloaded (verified) by the `FetchEngine` into
/// a work store — a `ScratchDirectory` each blob leaves once placed, so at
/// most `concurrency` blobs sit on disk at once, or the models directory
/// itself (`copy --keep`), where they stay.
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

    func blob(_ blob: Descriptor) async throws -> SourcedBlob {
        if !work.hasBlob(blob) {
            try await engine.download(blob, from: client, repository: reference.repository, into: work)
        }
        let bytes = try work.openBlob(blob.digest)
        return SourcedBlob(bytes: bytes) { [scratch] in
            bytes.close()
            scratch?.removeBlob(blob.digest)
        }
    }
}
