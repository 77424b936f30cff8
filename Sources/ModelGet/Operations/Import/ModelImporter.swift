import Foundation

/// Loads one image into the store from an OCI image layout (a tar, plain
/// or compressed, or a directory) or a `docker save` archive. Every member
/// is copied into a staging directory and hashed first; only when the
/// manifest and every blob it names check out are the blobs moved into
/// `blobs/` (by `ModelStore.adoptBlob`, under the digest their staging
/// writer hashed), and the manifest is written last, both under the store lock
/// as a pull holds it (a concurrent prune cannot take the new blobs before
/// the manifest names them). Anything wrong leaves the store as it was.
public struct ModelImporter: Sendable {
    public let store: ModelStore
    public var platform: Platform
    /// Bytes the archive may unpack to (`--max-bytes`); nil: `ExpansionLimit.byDefault`.
    public var maximumBytes: Int64?

    public init(store: ModelStore, platform: Platform = .current, maximumBytes: Int64? = nil) {
        self.store = store
        self.platform = platform
        self.maximumBytes = maximumBytes
    }

    /// Imports the archive or layout directory at `path` (a symbolic link
    /// to one is followed), stored as `reference`, else as the name the
    /// archive gives.
    public func importArchive(at path: String, as reference: Reference? = nil) async throws -> ImportResult {
        let name = (path as NSString).lastPathComponent
        var info = stat()
        guard stat(path, &info) == 0 else { throw FileIO.error(path) }
        let isDirectory = (info.st_mode & S_IFMT) == S_IFDIR
        try store.prepare()
        // A directory's files are already unpacked: only the free space bounds them.
        let limit = maximumBytes.map(ExpansionLimit.given)
            ?? .byDefault(compressedBytes: isDirectory ? nil : Int64(info.st_size), into: store.stateDirectory)
        let staging = try ImportStaging(store: store, archiveName: name, budget: ExpansionLimit.Budget(limit, for: name))
        defer { staging.remove() }
        if isDirectory {
            try stageDirectory(try Self.resolved(path), into: staging)
        } else {
            let fd = try FileIO.openForReading(path)
            defer { close(fd) }
            let reader = try TarReader(fd: fd, name: name)
            while let member = try reader.next() {
                // Ctrl-C: the staging is removed (below), the store untouched.
                try Task.checkCancellation()
                try staging.add(member) { try reader.readData($0) }
            }
        }
        let image: (manifest: Data, named: String?)
        if let index = try staging.contents(ImageLayout.indexName) {
            image = try ociImage(index: index, staging: staging, archive: name)
        } else if let list = try staging.contents("manifest.json") {
            image = try dockerImage(list: list, staging: staging, archive: name)
        } else {
            throw ModelGetError.invalidArchive(archive: name, reason: "neither an OCI image layout (index.json) nor a docker save archive (manifest.json)")
        }
        guard let target = try reference ?? Self.storedName(image.named, archive: name) else {
            throw ModelGetError.invalidArchive(archive: name, reason: "the archive names no image; give --as REF")
        }
        let (document, _) = try ManifestDocument.decode(image.manifest, contentType: nil)
        guard case let .image(manifest) = document else {
            throw ModelGetError.invalidArchive(archive: name, reason: "the chosen manifest is an index, not an image")
        }
        let blobs = try manifest.blobs.map { ($0, try staging.blob($0)) }
        try store.checkStorable(target)
        let (added, previous) = try await store.whileWriting { [store] in
            var added = 0
            for (descriptor, staged) in blobs {
                if try store.adoptBlob(staged.hashed, as: descriptor) { added += 1 }
            }
            let previous = (try? store.resolvedManifestPath(target)).flatMap { try? FileIO.hashFile($0).hex }
            try store.writeManifest(image.manifest, for: target)
            return (added, try previous.map { try Digest(hex: $0) })
        }
        return ImportResult(reference: target, manifestDigest: try Digest(hex: SHA256Hasher.hex(of: image.manifest)),
                            blobs: blobs.count, blobsAdded: added, bytes: manifest.blobs.reduce(0) { $0 + $1.size },
                            previousDigest: previous)
    }

    /// The model an archive's own name stands for. An OCI `ref.name` of
    /// one component (`v1`, as `skopeo copy … oci-archive:x.tar:v1` writes
    /// it) is, as the image-spec's examples have it, only a tag: skopeo
    /// reads it as the image's name inside the archive and asks for a
    /// destination, docker loads such an image untagged. It names no model
    /// (not `v1:latest`), so `--as` must.
    static func storedName(_ named: String?, archive: String) throws -> Reference? {
        guard let named else { return nil }
        guard named.contains("/") || named.contains(":") || named.contains("@") else {
            throw ModelGetError.invalidArchive(
                archive: archive, reason: "the archive names the image only by the tag \"\(named)\" (org.opencontainers.image.ref.name), "
                    + "not a model; give --as NAME:\(named)")
        }
        return try Reference(parsing: named)
    }

    /// `path` with every symbolic link resolved (a layout reached through a link is read where it is).
    private static func resolved(_ path: String) throws -> String {
        guard let real = realpath(path, nil) else { throw FileIO.error(path) }
        defer { free(real) }
        return String(cString: real)
    }

    /// The manifest an OCI `index.json` names (following a nested index to
    /// this platform's entry) and the image's `ref.name`.
    private func ociImage(index data: Data, staging: ImportStaging, archive: String) throws -> (Data, String?) {
        let index: ImageIndex
        do {
            index = try JSONDecoder().decode(ImageIndex.self, from: data)
        } catch {
            throw ModelGetError.invalidArchive(archive: archive, reason: "index.json is not a valid image index: " + Self.describe(error))
        }
        guard index.manifests.count == 1, let entry = index.manifests.first else {
            throw ModelGetError.invalidArchive(archive: archive, reason: "index.json lists \(index.manifests.count) images; modelget imports exactly one")
        }
        let named = entry.annotations?[ImageLayout.refNameAnnotation]
        var descriptor = entry
        if MediaType.isIndex(entry.mediaType) {
            let nested = try ManifestDocument.decode(try contents(of: entry, staging: staging, archive: archive), contentType: entry.mediaType).0
            guard case let .index(child) = nested else {
                throw ModelGetError.invalidArchive(archive: archive, reason: "\(entry.digest) is not an index")
            }
            guard let chosen = child.manifests.first(where: { $0.platform.map(platform.matches) ?? false }) else {
                throw ModelGetError.noMatchingPlatform(wanted: platform.description, available: child.manifests.compactMap { $0.platform?.description })
            }
            descriptor = chosen
        }
        return (try contents(of: descriptor, staging: staging, archive: archive), named)
    }

    /// The bytes of a small blob (a manifest), checked against its descriptor.
    private func contents(of descriptor: Descriptor, staging: ImportStaging, archive: String) throws -> Data {
        guard descriptor.size <= Int64(ManifestDocument.maximumSize) else { throw ModelGetError.manifestTooLarge(limit: ManifestDocument.maximumSize) }
        let staged = try staging.blob(descriptor)
        return try Data(contentsOf: URL(fileURLWithPath: staged.file))
    }

    /// A Docker v2 schema 2 manifest for the first image of a `docker
    /// save` `manifest.json`: its config and layer members by their hashes.
    private func dockerImage(list data: Data, staging: ImportStaging, archive: String) throws -> (Data, String?) {
        let images: [DockerArchiveImage]
        do {
            images = try JSONDecoder().decode([DockerArchiveImage].self, from: data)
        } catch {
            throw ModelGetError.invalidArchive(archive: archive, reason: "manifest.json is not a docker save manifest: " + Self.describe(error))
        }
        guard images.count == 1, let image = images.first else {
            throw ModelGetError.invalidArchive(archive: archive, reason: "manifest.json lists \(images.count) images; modelget imports exactly one")
        }
        func descriptor(_ member: String, mediaType: (String) -> String) throws -> Descriptor {
            guard let staged = try staging.member(member) else {
                throw ModelGetError.invalidArchive(archive: archive, reason: "missing member \(member)")
            }
            return Descriptor(mediaType: mediaType(staged.file), digest: staged.digest, size: staged.size)
        }
        let config = try descriptor(image.Config) { _ in MediaType.dockerConfig }
        let layers = try image.Layers.map { try descriptor($0, mediaType: Self.dockerLayerType) }
        let manifest = ImageManifest(schemaVersion: 2, mediaType: MediaType.dockerManifest, config: config, layers: layers)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try encoder.encode(manifest), image.RepoTags?.first)
    }

    /// A JSON decoding failure in a few words: what is wrong and where.
    static func describe(_ error: Error) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let path = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }.joined(separator: ".")
            return path.isEmpty ? "the top level" : path
        }
        switch error {
        case let DecodingError.dataCorrupted(context) where context.codingPath.isEmpty: return "not valid JSON"
        case let DecodingError.dataCorrupted(context): return "bad value at \(path(context))"
        case let DecodingError.keyNotFound(key, context): return "missing \"\(key.stringValue)\" at \(path(context))"
        case let DecodingError.typeMismatch(_, context): return "wrong type at \(path(context))"
        case let DecodingError.valueNotFound(_, context): return "null at \(path(context))"
        default: return "\(error)"
        }
    }

    /// `docker save` keeps layers as plain tars; a gzip one is typed as such.
    private static func dockerLayerType(_ file: String) -> String {
        guard let handle = FileHandle(forReadingAtPath: file) else { return "application/vnd.docker.image.rootfs.diff.tar" }
        defer { try? handle.close() }
        let magic = handle.readData(ofLength: 2)
        return magic == Data([0x1f, 0x8b]) ? "application/vnd.docker.image.rootfs.diff.tar.gzip" : "application/vnd.docker.image.rootfs.diff.tar"
    }

    /// Stages every file of a layout directory (links kept as aliases, never followed).
    private func stageDirectory(_ root: String, into staging: ImportStaging) throws {
        func walk(_ relative: String) throws {
            let directory = relative.isEmpty ? root : root + "/" + relative
            for child in try RootFilesystem.children(of: directory).sorted() {
                try Task.checkCancellation()
                let name = relative.isEmpty ? child : relative + "/" + child
                let path = root + "/" + name
                var info = stat()
                guard lstat(path, &info) == 0 else { throw FileIO.error(path) }
                switch info.st_mode & S_IFMT {
                case S_IFDIR:
                    try walk(name)
                case S_IFLNK:
                    let target = try FileManager.default.destinationOfSymbolicLink(atPath: path)
                    try staging.add(ArchiveMember(name: name, kind: .symlink(target), size: 0)) { _ in }
                case S_IFREG:
                    let fd = try FileIO.openForReading(path)
                    defer { close(fd) }
                    try staging.add(ArchiveMember(name: name, kind: .file, size: Int64(info.st_size))) {
                        try FileIO.forEachChunk(fd, path: path, $0)
                    }
                default:
                    continue
                }
            }
        }
        try walk("")
    }
}
