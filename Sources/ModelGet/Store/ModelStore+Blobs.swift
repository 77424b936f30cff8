import Foundation

/// A file under `blobs/`, classified by its name.
package enum StoreBlobFile: Sendable, Equatable {
    /// `sha256-<hex>`: a complete blob.
    case blob(Digest, size: Int64)
    /// Any other `sha256-…` file: one of ollama's temporaries
    /// (`sha256-<hex>-partial`, `-partial-<N>`, `sha256-<hex>.tmp`, the
    /// `sha256-<random>` of `ollama create`) or a leftover of an older
    /// modelget.
    case partial(name: String, size: Int64, modified: Date)
}

extension ModelStore {
    /// The regular files of `blobs/` whose names start with `sha256-`;
    /// any other file is left out (and so never removed).
    package func blobFiles() -> [StoreBlobFile] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: blobsDirectory) else { return [] }
        var files: [StoreBlobFile] = []
        for name in entries.sorted() where name.hasPrefix("sha256-") {
            let path = blobsDirectory + "/" + name
            var info = stat()
            guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            if let digest = try? Digest(hex: String(name.dropFirst("sha256-".count))) {
                files.append(.blob(digest, size: Int64(info.st_size)))
            } else {
                let modified = Date(timeIntervalSince1970: TimeInterval(info.st_mtim.tv_sec))
                files.append(.partial(name: name, size: Int64(info.st_size), modified: modified))
            }
        }
        return files
    }

    /// The error for a blob a manifest names that is not in place (or not
    /// of its size), naming the blob's file.
    func missingBlob(_ digest: Digest, reason: String) -> ModelGetError {
        .fileSystem(path: blobPath(digest), reason: reason)
    }

    /// Puts a verified copy of a stored blob at `destination` as
    /// `FilePlacement.place` does (a reflink where the file system can,
    /// else a copy).
    func placeBlob(_ digest: Digest, at destination: String) throws -> PlacementMethod {
        try FilePlacement.place(blobPath(digest), digest: digest, at: destination)
    }

    /// Removes a blob file; returns the bytes it took, or nil when it was
    /// not there.
    @discardableResult
    func removeBlob(_ digest: Digest) throws -> Int64? {
        let size = FileIO.size(blobPath(digest)) ?? 0
        guard unlink(blobPath(digest)) == 0 else {
            if errno == ENOENT { return nil }
            throw FileIO.error(blobPath(digest))
        }
        return size
    }
}
