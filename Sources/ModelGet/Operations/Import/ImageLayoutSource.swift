import Foundation

/// A staged OCI image layout (a folder, or a tar of one: skopeo's
/// `oci-archive`) as a graph copy's source: `index.json` must list exactly
/// one entry, an image or an index (which the copy narrows to a
/// platform); manifests and blobs are its `blobs/sha256/<hex>` members.
/// The entry's `org.opencontainers.image.ref.name` names the model unless
/// `--as` does.
struct ImageLayoutSource: GraphSource {
    let reference: Reference
    private let archive: StagedArchive
    private let entry: Descriptor

    /// Nil when the archive has no `index.json`.
    init?(_ archive: StagedArchive, as name: Reference?) throws {
        guard let data = try archive.contents(ImageLayout.indexName) else { return nil }
        let index: ImageIndex
        do {
            index = try JSONDecoder().decode(ImageIndex.self, from: data)
        } catch {
            throw ModelGetError.invalidArchive(archive: archive.archiveName,
                                               reason: "index.json is not a valid image index: " + ModelImporter.describe(error))
        }
        guard index.manifests.count == 1, let entry = index.manifests.first else {
            throw ModelGetError.invalidArchive(archive: archive.archiveName,
                                               reason: "index.json lists \(index.manifests.count) images; modelget imports exactly one")
        }
        self.archive = archive
        self.entry = entry
        reference = try ModelImporter.storedName(name, named: entry.annotations?[ImageLayout.refNameAnnotation], archive: archive.archiveName)
    }

    func root() async throws -> FetchedManifest {
        try archive.manifest(entry)
    }

    func manifest(_ entry: Descriptor) async throws -> FetchedManifest {
        try archive.manifest(entry)
    }

    /// The staged blobs the store lacks, adopted under the store destination's lease.
    func fetchAhead(_ blobs: [Descriptor], under lease: StoreLease) async throws -> Set<Digest> {
        try archive.adopt(blobs, under: lease)
    }

    func blob(_ blob: Descriptor) async throws -> SourcedBlob {
        try await archive.sourced(blob)
    }
}
