import Foundation

/// Ollama's on-disk layout: `blobs/sha256-<hex>` (content-addressed,
/// verified) and `manifests/<host>/<namespace>/<model>/<tag>` (the manifest
/// bytes as served), with modelget's own working files (partial
/// downloads, part state, temporary manifests, upload sessions, copy
/// scratch space, the store lock) under `.modelget/`, where ollama never
/// looks and which is on the same file system, so renames stay atomic.
/// Paths are built only from validated digests and references.
public struct ModelStore: Sendable {
    /// The models directory (`OLLAMA_MODELS`, default `~/.ollama/models`).
    public let root: URL
    /// `root.path`, worked out once: every path of every blob starts with it.
    let rootPath: String

    public init(root: URL) {
        self.root = root.standardizedFileURL
        self.rootPath = self.root.path
    }

    package var blobsDirectory: String { rootPath + "/blobs" }
    package var manifestsDirectory: String { rootPath + "/manifests" }
    /// Where modelget keeps its own working state, beside ollama's
    /// `blobs/` and `manifests/` (ollama ignores it).
    package var stateDirectory: String { rootPath + "/.modelget" }
    /// Partial downloads and their part state.
    package var partialsDirectory: String { stateDirectory + "/partial" }
    /// Manifests and other small files on their way to their final name.
    package var temporaryDirectory: String { stateDirectory + "/tmp" }

    /// `blobs/sha256-<hex>`.
    package func blobPath(_ digest: Digest) -> String { blobsDirectory + "/" + digest.fileName }

    /// Where a blob's bytes collect while they arrive:
    /// `.modelget/partial/sha256-<hex>` (locked by the process writing it).
    package func partialPath(_ digest: Digest) -> String { partialsDirectory + "/" + digest.fileName }

    /// `manifests/<host>/<namespace>/<model>/<tag>` as typed (see
    /// `existingManifestPath` for the case-insensitive lookup).
    package func manifestPath(_ reference: Reference) -> String {
        manifestsDirectory + "/" + reference.host + "/" + reference.repository + "/" + reference.storeTag
    }

    /// True when the blob is in place with the size the descriptor names.
    public func hasBlob(_ descriptor: Descriptor) -> Bool {
        FileIO.size(blobPath(descriptor.digest)) == descriptor.size
    }

    /// The owner new files and folders get (see `FileOwner`).
    var owner: FileOwner? { FileOwner.of(rootPath) }

    /// Creates `blobs/`, `manifests/` and modelget's working folders.
    package func prepare() throws {
        let owner = self.owner
        for directory in [blobsDirectory, manifestsDirectory, partialsDirectory, temporaryDirectory] {
            try FileIO.makeDirectories(directory, owner: owner)
        }
    }

    /// Removes the folders `prepare` made, and the root, where they are
    /// empty (a scratch store once its blob has been delivered), with the
    /// store lock's file when no one holds it.
    func removeEmptyLayout() {
        if let lock = FileLock.exclusiveIfFree(storeLockPath, create: false) {
            unlink(storeLockPath)
            lock.release()
        }
        for directory in [partialsDirectory, temporaryDirectory, stateDirectory, blobsDirectory, manifestsDirectory, rootPath] {
            rmdir(directory)
        }
    }

    /// Throws unless ollama's store can hold `reference`: it keeps
    /// manifests only at `host/namespace/model/tag`, so a nested repository
    /// (`ghcr.io/org/team/model`) would be listed by nobody and its blobs
    /// pruned by ollama.
    package func checkStorable(_ reference: Reference) throws {
        guard reference.isStorable else { throw ModelGetError.nestedRepository(reference: reference.description) }
    }

    /// Writes a manifest atomically, byte for byte, under the name an
    /// existing model of the same name (matched case-insensitively) has,
    /// else as typed. The manifest is the commit point, so the blobs
    /// directory is fsynced first: every rename of a blob it names is
    /// durable before the manifest can be.
    package func writeManifest(_ data: Data, for reference: Reference, under lease: StoreLease) throws {
        try lease.check(opens: self)
        try checkStorable(reference)
        FileIO.syncDirectory(blobsDirectory)
        let path = existingManifestPath(reference) ?? manifestPath(reference)
        try FileIO.makeDirectories(temporaryDirectory, owner: owner)
        try FileIO.writeAtomically(data, to: path, temporaryDirectory: temporaryDirectory, owner: owner)
    }

    /// Moves a file of the store's own space whose bytes were hashed to
    /// `digest` as they were written (by a `BlobWriter`, or a
    /// `HashingFileWriter` through `adoptBlob`) and fsynced to
    /// `blobs/sha256-<hex>`, owned as the store is. Only those two doors
    /// call it (`scripts/check-layout.py` keeps it so). The directory is
    /// not fsynced here: a rename lost in a crash leaves only the source
    /// file, and `writeManifest` makes the renames durable.
    func commitBlob(from partial: String, digest: Digest, under lease: StoreLease) throws {
        try lease.check(opens: self)
        owner?.apply(partial)
        guard rename(partial, blobPath(digest)) == 0 else { throw FileIO.error(blobPath(digest)) }
    }
}
