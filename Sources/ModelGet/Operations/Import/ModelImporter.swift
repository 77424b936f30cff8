import Foundation

/// Loads one image into the store from an OCI image layout (a tar, plain
/// or compressed, or a directory) or a `docker save` archive. Every member
/// is copied into a staging directory and hashed first (`ImportStaging`);
/// then the graph copy runs from the archive's source endpoint
/// (`ImageLayoutSource`, `DockerArchiveSource`) to a `StoreDestination`:
/// only when the manifest and every blob it names check out are the blobs
/// moved into `blobs/` (by `ModelStore.adoptBlob`, under the digest their
/// staging writer hashed), and the manifest is written last, both under
/// the store lock as a pull holds it (a concurrent prune cannot take the
/// new blobs before the manifest names them). Anything wrong leaves the
/// store as it was.
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
        let source = try Self.source(staging.archive, as: reference)
        let target = source.reference
        let previous = (try? store.resolvedManifestPath(target)).flatMap { try? Digest(hex: FileIO.hashFile($0).hex) }
        // Adopting a staged blob is a rename: one at a time is as fast.
        let copy = GraphCopy(concurrency: 1, mountFrom: nil, platforms: .one(platform))
        let result = try await copy.copy(from: source, to: StoreDestination(store: store, reference: target), progress: TransferProgress())
        return ImportResult(reference: target, manifestDigest: try Digest(result.manifestDigest), blobs: result.blobs,
                            blobsAdded: result.sent, bytes: result.totalBytes, previousDigest: previous)
    }

    /// The source endpoint for the staged archive's format: an OCI image
    /// layout (`index.json`) or a `docker save` archive (`manifest.json`).
    /// A new format is a new source here.
    static func source(_ archive: StagedArchive, as reference: Reference?) throws -> any GraphSource {
        if let layout = try ImageLayoutSource(archive, as: reference) { return layout }
        if let saved = try DockerArchiveSource(archive, as: reference) { return saved }
        throw ModelGetError.invalidArchive(archive: archive.archiveName,
                                           reason: "neither an OCI image layout (index.json) nor a docker save archive (manifest.json)")
    }

    /// The model an archive's own name stands for. An OCI `ref.name` of
    /// one component (`v1`, as `skopeo copy … oci-archive:x.tar:v1` writes
    /// it) is, as the image-spec's examples have it, only a tag: skopeo
    /// reads it as the image's name inside the archive and asks for a
    /// destination, docker loads such an image untagged. It names no model
    /// (not `v1:latest`), so `--as` must.
    static func storedName(_ given: Reference?, named: String?, archive: String) throws -> Reference {
        if let given { return given }
        guard let named else {
            throw ModelGetError.invalidArchive(archive: archive, reason: "the archive names no image; give --as REF")
        }
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
