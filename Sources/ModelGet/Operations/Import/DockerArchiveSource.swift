import Foundation

/// A staged `docker save` archive as a graph copy's source: its
/// `manifest.json` must list exactly one image, whose config and layer
/// members (found by their hashes) make a Docker v2 schema 2 manifest.
/// The first `RepoTags` entry names the model unless `--as` does.
struct DockerArchiveSource: GraphSource {
    let reference: Reference
    private let archive: StagedArchive
    private let image: FetchedManifest

    /// Nil when the archive has no `manifest.json`.
    init?(_ archive: StagedArchive, as name: Reference?) throws {
        guard let data = try archive.contents("manifest.json") else { return nil }
        let images: [DockerArchiveImage]
        do {
            images = try JSONDecoder().decode([DockerArchiveImage].self, from: data)
        } catch {
            throw ModelGetError.invalidArchive(archive: archive.archiveName,
                                               reason: "manifest.json is not a docker save manifest: " + ModelImporter.describe(error))
        }
        guard images.count == 1, let image = images.first else {
            throw ModelGetError.invalidArchive(archive: archive.archiveName,
                                               reason: "manifest.json lists \(images.count) images; modelget imports exactly one")
        }
        func descriptor(_ member: String, mediaType: (String) -> String) throws -> Descriptor {
            guard let staged = try archive.member(member) else {
                throw ModelGetError.invalidArchive(archive: archive.archiveName, reason: "missing member \(member)")
            }
            return Descriptor(mediaType: mediaType(staged.file), digest: staged.digest, size: staged.size)
        }
        let config = try descriptor(image.Config) { _ in MediaType.dockerConfig }
        let layers = try image.Layers.map { try descriptor($0, mediaType: Self.layerType) }
        let manifest = ImageManifest(schemaVersion: 2, mediaType: MediaType.dockerManifest, config: config, layers: layers)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        self.archive = archive
        self.image = try archive.checked(try encoder.encode(manifest), contentType: MediaType.dockerManifest)
        reference = try ModelImporter.storedName(name, named: image.RepoTags?.first, archive: archive.archiveName)
    }

    func root() async throws -> FetchedManifest {
        image
    }

    func manifest(_ entry: Descriptor) async throws -> FetchedManifest {
        throw ModelGetError.invalidArchive(archive: archive.archiveName, reason: "a docker save image names no other manifest")
    }

    /// The staged blobs the store lacks, adopted under the store destination's lease.
    func fetchAhead(_ blobs: [Descriptor], under lease: StoreLease) async throws -> Set<Digest> {
        try archive.adopt(blobs, under: lease)
    }

    func blob(_ blob: Descriptor) async throws -> SourcedBlob {
        try await archive.sourced(blob)
    }

    /// `docker save` keeps layers as plain tars; a gzip one is typed as such.
    private static func layerType(_ file: String) -> String {
        guard let handle = FileHandle(forReadingAtPath: file) else { return "application/vnd.docker.image.rootfs.diff.tar" }
        defer { try? handle.close() }
        let magic = handle.readData(ofLength: 2)
        return magic == Data([0x1f, 0x8b]) ? "application/vnd.docker.image.rootfs.diff.tar.gzip" : "application/vnd.docker.image.rootfs.diff.tar"
    }
}
