import Foundation
import Synchronization

/// An OCI image layout in a tar file as a graph copy's destination
/// (`export -o FILE.tar`): `oci-layout` first, each blob re-hashed as it
/// is written (a blob that does not match fails the export), the
/// manifests, then `index.json` naming the root by `reference`. The tar is
/// written beside its name and renamed when complete (`TarWriter`), so an
/// export cut short leaves nothing under it. Members go in one at a time:
/// the copy runs with a concurrency of 1.
final class ImageLayoutTarDestination: GraphDestination, OpenGraphDestination {
    let reference: Reference
    let path: String
    /// The archive being written, and the manifest `index.json` will name.
    private let state = Mutex<(tar: TarWriter?, root: FetchedManifest?)>((nil, nil))

    init(reference: Reference, path: String) {
        self.reference = reference
        self.path = path
    }

    func whileOpen<T: Sendable>(mountFrom: String?, _ body: (ImageLayoutTarDestination) async throws -> T) async throws -> T {
        try state.withLock { state in
            let tar = try TarWriter(path: path)
            try tar.addFile(ImageLayout.markerName, data: ImageLayout.marker)
            try tar.addDirectory("blobs")
            try tar.addDirectory("blobs/sha256")
            state.tar = tar
        }
        do {
            let result = try await body(self)
            try state.withLock { state in
                guard let tar = state.tar, let root = state.root else { return }
                try tar.addFile(ImageLayout.indexName, data: try ImageLayout.index(for: root, named: reference))
                try tar.finish()
                state.tar = nil
            }
            return result
        } catch {
            // The unfinished archive goes with its writer.
            state.withLock { $0.tar = nil }
            throw error
        }
    }

    func place(_ blob: Descriptor, mountFrom: String?, progress: TransferProgress,
               bytes: @escaping @Sendable () async throws -> StoredBlob) async throws -> BlobOutcome {
        // Ctrl-C: the unfinished archive is removed, nothing half-named.
        try Task.checkCancellation()
        let stored = try await bytes()
        try state.withLock { state in
            guard let tar = state.tar else { return }
            let hasher = SHA256Hasher()
            try tar.addFile(ImageLayout.blobPath(blob.digest), size: blob.size) { emit in
                try stored.forEachChunk(length: blob.size) { chunk in
                    try Task.checkCancellation()
                    hasher.update(chunk)
                    try emit(chunk)
                }
            }
            try blob.digest.verify(actualHex: hasher.finalizeHex())
        }
        progress.addTransferred(blob.size)
        progress.blobDone()
        return .sent
    }

    func putManifest(_ manifest: FetchedManifest, as name: String, mountFrom: String?) async throws {
        try state.withLock { state in
            try state.tar?.addFile(ImageLayout.blobPath(manifest.digest), data: manifest.data)
            // The root is put last: the one index.json names.
            state.root = manifest
        }
    }
}
