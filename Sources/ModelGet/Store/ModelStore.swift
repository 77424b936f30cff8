import Foundation

/// Ollama's on-disk layout: `blobs/sha256-<hex>` (content-addressed,
/// verified) and `manifests/<host>/<namespace>/<name>/<tag>` (the manifest
/// bytes as served). Paths are built only from validated digests and
/// references.
public struct ModelStore: Sendable {
    /// The models directory (`OLLAMA_MODELS`, default `~/.ollama/models`).
    public let root: URL

    public init(root: URL) {
        self.root = root.standardizedFileURL
    }

    /// `--models`, else `$OLLAMA_MODELS`, else `~/.ollama/models`.
    public static func defaultRoot(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        if let dir = environment["OLLAMA_MODELS"], !dir.isEmpty { return URL(fileURLWithPath: dir) }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return URL(fileURLWithPath: home).appendingPathComponent(".ollama/models")
    }

    public var blobsDirectory: String { root.path + "/blobs" }
    public var manifestsDirectory: String { root.path + "/manifests" }

    /// `blobs/sha256-<hex>`.
    public func blobPath(_ digest: Digest) -> String { blobsDirectory + "/" + digest.fileName }

    /// Where a blob's bytes collect while they arrive: `blobs/sha256-<hex>-partial`.
    public func partialPath(_ digest: Digest) -> String { blobPath(digest) + "-partial" }

    /// `manifests/<host>/<namespace>/<name>/<tag>`.
    public func manifestPath(_ reference: Reference) -> String {
        manifestsDirectory + "/" + reference.host + "/" + reference.repository + "/" + reference.storeTag
    }

    /// True when the blob is in place with the size the descriptor names.
    public func hasBlob(_ descriptor: Descriptor) -> Bool {
        FileIO.size(blobPath(descriptor.digest)) == descriptor.size
    }

    /// Creates `blobs/` and `manifests/`.
    public func prepare() throws {
        try FileIO.makeDirectories(blobsDirectory)
        try FileIO.makeDirectories(manifestsDirectory)
    }

    /// Writes a manifest atomically, byte for byte. The manifest is the
    /// commit point, so the blobs directory is fsynced first: every rename
    /// of a blob it names is durable before the manifest can be.
    public func writeManifest(_ data: Data, for reference: Reference) throws {
        FileIO.syncDirectory(blobsDirectory)
        try FileIO.writeAtomically(data, to: manifestPath(reference))
    }

    /// Moves a verified, fsynced partial file to its final name. The
    /// directory is not fsynced here: a rename lost in a crash leaves only
    /// the partial file, and `writeManifest` makes the renames durable.
    func commitBlob(from partial: String, digest: Digest) throws {
        guard rename(partial, blobPath(digest)) == 0 else { throw FileIO.error(blobPath(digest)) }
    }
}
