import Foundation

/// Writes one stored model as an OCI image layout, a tar (`-o x.tar`) or a
/// directory: its manifest bytes as stored, config and layers, each blob
/// re-hashed on the way, `index.json` naming it by its full reference. The
/// result appears under its name only when complete.
public struct ModelExporter: Sendable {
    public let store: ModelStore

    public init(store: ModelStore) {
        self.store = store
    }

    /// Exports `reference` to `path`: a directory when `asDirectory`, else a tar file.
    public func export(_ reference: Reference, to path: String, asDirectory: Bool) throws -> ExportResult {
        let model = try store.model(reference)
        let manifestData = try Data(contentsOf: URL(fileURLWithPath: model.manifestPath))
        try model.manifestDigest.verify(actualHex: SHA256Hasher.hex(of: manifestData))
        let (_, mediaType) = try ManifestDocument.decode(manifestData, contentType: nil)
        let descriptor = Descriptor(mediaType: mediaType, digest: model.manifestDigest, size: Int64(manifestData.count))
        var named = reference
        named.scheme = nil // an image's ref.name is a name, without a scheme
        let index = try ImageLayout.index(manifest: descriptor, reference: named.description)
        let blobs = model.manifest.blobs
        for blob in blobs where !store.hasBlob(blob) {
            throw store.missingBlob(blob.digest, reason: "missing or of the wrong size; pull the model again")
        }
        if asDirectory {
            try writeDirectory(path, index: index, manifest: manifestData, manifestDigest: model.manifestDigest, blobs: blobs)
        } else {
            try writeTar(path, index: index, manifest: manifestData, manifestDigest: model.manifestDigest, blobs: blobs)
        }
        // Counted as pull and import count them: the config and the layers, not the manifest.
        return ExportResult(path: path, manifestDigest: model.manifestDigest, blobs: blobs.count,
                            bytes: blobs.reduce(0) { $0 + $1.size })
    }

    private func writeTar(_ path: String, index: Data, manifest: Data, manifestDigest: Digest, blobs: [Descriptor]) throws {
        let tar = try TarWriter(path: path)
        try tar.addFile(ImageLayout.markerName, data: ImageLayout.marker)
        try tar.addDirectory("blobs")
        try tar.addDirectory("blobs/sha256")
        for blob in blobs {
            // Ctrl-C: the unfinished archive is removed (TarWriter), nothing half-named.
            try Task.checkCancellation()
            let stored = try store.openBlob(blob.digest)
            defer { stored.close() }
            let hasher = SHA256Hasher()
            try tar.addFile(ImageLayout.blobPath(blob.digest), size: blob.size) { emit in
                try stored.forEachChunk(length: blob.size) { bytes in
                    try Task.checkCancellation()
                    hasher.update(bytes)
                    try emit(bytes)
                }
            }
            try blob.digest.verify(actualHex: hasher.finalizeHex())
        }
        try tar.addFile(ImageLayout.blobPath(manifestDigest), data: manifest)
        try tar.addFile(ImageLayout.indexName, data: index)
        try tar.finish()
    }

    private func writeDirectory(_ path: String, index: Data, manifest: Data, manifestDigest: Digest, blobs: [Descriptor]) throws {
        let destination = URL(fileURLWithPath: path).standardizedFileURL.path
        if FileManager.default.fileExists(atPath: destination) {
            throw ModelGetError.fileSystem(path: destination, reason: "already exists")
        }
        let staging = FilePlacement.temporaryPath(beside: destination)
        do {
            try FileIO.makeDirectories(staging + "/blobs/sha256")
            for blob in blobs {
                try Task.checkCancellation()
                _ = try store.placeBlob(blob.digest, at: staging + "/" + ImageLayout.blobPath(blob.digest))
            }
            try FileIO.writeAtomically(manifest, to: staging + "/" + ImageLayout.blobPath(manifestDigest))
            try FileIO.writeAtomically(ImageLayout.marker, to: staging + "/" + ImageLayout.markerName)
            try FileIO.writeAtomically(index, to: staging + "/" + ImageLayout.indexName)
            guard rename(staging, destination) == 0 else { throw FileIO.error(destination) }
            FileIO.syncDirectory(FilePlacement.directory(of: destination))
        } catch {
            try? RootFilesystem.removeTree(staging)
            throw error
        }
    }
}
