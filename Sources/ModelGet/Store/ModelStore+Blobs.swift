import Foundation

/// A file under `blobs/`, classified by its name.
public enum StoreBlobFile: Sendable, Equatable {
    /// `sha256-<hex>`: a complete blob.
    case blob(Digest, size: Int64)
    /// `sha256-<hex>-partial…`: bytes of a download not finished (modelget's
    /// own, or one of ollama's `-partial-N` files).
    case partial(name: String, size: Int64, modified: Date)
}

extension ModelStore {
    /// The regular files of `blobs/` whose names modelget or ollama writes;
    /// any other file is left out (and so never removed).
    public func blobFiles() -> [StoreBlobFile] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: blobsDirectory) else { return [] }
        var files: [StoreBlobFile] = []
        for name in entries.sorted() where name.hasPrefix("sha256-") {
            let path = blobsDirectory + "/" + name
            var info = stat()
            guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            let hex = String(name.dropFirst("sha256-".count).prefix(64))
            guard let digest = try? Digest(hex: hex) else { continue }
            let rest = name.dropFirst("sha256-".count + 64)
            if rest.isEmpty {
                files.append(.blob(digest, size: Int64(info.st_size)))
            } else if rest.hasPrefix("-partial") {
                let modified = Date(timeIntervalSince1970: TimeInterval(info.st_mtim.tv_sec))
                files.append(.partial(name: name, size: Int64(info.st_size), modified: modified))
            }
        }
        return files
    }

    /// Removes a blob file; a blob already gone counts as removed.
    func removeBlob(_ digest: Digest) throws {
        guard unlink(blobPath(digest)) == 0 || errno == ENOENT else { throw FileIO.error(blobPath(digest)) }
    }
}
