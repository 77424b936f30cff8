import Foundation

/// An OCI image layout in a directory as a graph copy's destination
/// (`export -o DIR/`): built in a hidden directory beside `path`
/// (`FilePlacement.temporaryPath`), each blob placed there verified (a
/// reflink where the file system can, else a copy hashed as it is made),
/// the manifests, `index.json` naming the root by `reference`, and
/// `oci-layout` written; then renamed to `path`, which must not exist. An
/// export cut short leaves nothing under `path`.
struct ImageLayoutDirectoryDestination: GraphDestination, OpenGraphDestination {
    let reference: Reference
    /// Where the layout goes, as given (standardized).
    let path: String
    /// The hidden directory the layout is built in.
    private let staging: String

    init(reference: Reference, path: String) {
        self.reference = reference
        self.path = URL(fileURLWithPath: path).standardizedFileURL.path
        staging = FilePlacement.temporaryPath(beside: self.path)
    }

    func whileOpen<T: Sendable>(mountFrom: String?, _ body: (ImageLayoutDirectoryDestination) async throws -> T) async throws -> T {
        if FileManager.default.fileExists(atPath: path) {
            throw ModelGetError.fileSystem(path: path, reason: "already exists")
        }
        do {
            try FileIO.makeDirectories(staging + "/blobs/sha256")
            let result = try await body(self)
            try FileIO.writeAtomically(ImageLayout.marker, to: staging + "/" + ImageLayout.markerName)
            guard rename(staging, path) == 0 else { throw FileIO.error(path) }
            FileIO.syncDirectory(FilePlacement.directory(of: path))
            return result
        } catch {
            try? RootFilesystem.removeTree(staging)
            throw error
        }
    }

    func place(_ blob: Descriptor, mountFrom: String?, progress: TransferProgress,
               bytes: @escaping @Sendable () async throws -> StoredBlob) async throws -> BlobOutcome {
        try Task.checkCancellation()
        _ = try FilePlacement.place(try await bytes(), digest: blob.digest, at: staging + "/" + ImageLayout.blobPath(blob.digest))
        progress.addTransferred(blob.size)
        progress.blobDone()
        return .sent
    }

    func putManifest(_ manifest: FetchedManifest, as name: String, mountFrom: String?) async throws {
        try FileIO.writeAtomically(manifest.data, to: staging + "/" + ImageLayout.blobPath(manifest.digest))
        // Each manifest names itself; the root is put last, so index.json names it.
        try FileIO.writeAtomically(try ImageLayout.index(for: manifest, named: reference), to: staging + "/" + ImageLayout.indexName)
    }
}
