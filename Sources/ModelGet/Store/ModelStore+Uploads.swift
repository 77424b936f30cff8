import Foundation

extension ModelStore {
    /// The file that remembers the newest URL of an unfinished chunked
    /// upload of `digest` to `host`/`repository`, so a re-run continues it:
    /// `.modelget/uploads/<host>/<repository>/sha256-<hex>`.
    package func uploadSessionPath(host: String, repository: String, digest: Digest) -> String {
        stateDirectory + "/uploads/" + host + "/" + repository + "/" + digest.fileName
    }

    /// The remembered session URL of an upload of `digest`, if any.
    func uploadSession(host: String, repository: String, digest: Digest) -> URL? {
        guard let data = FileManager.default.contents(atPath: uploadSessionPath(host: host, repository: repository, digest: digest)),
              let text = String(data: data, encoding: .utf8) else { return nil }
        return URL(string: text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Remembers the newest session URL of an upload (readable by this user only: it may carry a token).
    func saveUploadSession(_ url: URL, host: String, repository: String, digest: Digest) throws {
        let path = uploadSessionPath(host: host, repository: repository, digest: digest)
        try FileIO.writeAtomically(Data(url.absoluteString.utf8), to: path)
        chmod(path, 0o600)
    }

    /// Forgets the session of an upload (finished, or gone on the registry).
    func removeUploadSession(host: String, repository: String, digest: Digest) {
        unlink(uploadSessionPath(host: host, repository: repository, digest: digest))
    }

    /// A fresh directory for blobs that pass through on their way to
    /// another registry (`modelget copy` without `--keep`):
    /// `.modelget/copy-<pid>-<random>`, locked while in use. Scratch
    /// directories an interrupted copy left are removed first.
    func makeScratchDirectory() throws -> ScratchDirectory {
        try FileIO.makeDirectories(stateDirectory, owner: owner)
        _ = removeStaleScratchDirectories(dryRun: false)
        return try ScratchDirectory.create(stateDirectory + "/copy-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
    }

    /// Removes every `.modelget/copy-*` whose copy is no longer running
    /// (its lock is free); returns the directories and the bytes they held.
    func removeStaleScratchDirectories(dryRun: Bool) -> [(name: String, size: Int64)] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: stateDirectory) else { return [] }
        var removed: [(String, Int64)] = []
        for entry in entries.sorted() where entry.hasPrefix("copy-") {
            let path = stateDirectory + "/" + entry
            guard let lock = ScratchDirectory.lockIfStale(path) else { continue }
            let size = FileIO.treeSize(path)
            if !dryRun { try? FileManager.default.removeItem(atPath: path) }
            lock.release()
            removed.append((".modelget/" + entry, size))
        }
        // An import's staging, `import-<pid>-<rand>`, once its process is gone.
        for entry in entries.sorted() where entry.hasPrefix("import-") {
            guard let pid = Int32(entry.dropFirst("import-".count).prefix { $0.isNumber }), !FileIO.isAlive(pid) else { continue }
            let path = stateDirectory + "/" + entry
            let size = FileIO.treeSize(path)
            if !dryRun { try? FileManager.default.removeItem(atPath: path) }
            removed.append((".modelget/" + entry, size))
        }
        return removed
    }
}

/// A scratch directory a running copy owns: `.lock` inside it is held
/// (`flock`) for as long as the copy runs, so another process can tell a
/// live one from the leftover of a copy that was killed.
package final class ScratchDirectory: Sendable {
    package let url: URL
    private let lock: FileLock

    private init(url: URL, lock: FileLock) {
        self.url = url
        self.lock = lock
    }

    /// The scratch directory as a store of its own (same layout), for the
    /// fetch engine to download into.
    var store: ModelStore { ModelStore(root: url) }

    static func create(_ path: String) throws -> ScratchDirectory {
        guard mkdir(path, 0o755) == 0 else { throw FileIO.error(path) }
        guard let lock = FileLock.exclusiveIfFree(path + "/.lock") else {
            throw ModelGetError.fileSystem(path: path, reason: "cannot lock the new scratch directory")
        }
        return ScratchDirectory(url: URL(fileURLWithPath: path), lock: lock)
    }

    /// Locks the scratch directory at `path` when no running copy holds it
    /// (a directory without a lock file counts as stale once it is a
    /// minute old: its copy died between creating and locking it).
    static func lockIfStale(_ path: String) -> FileLock? {
        if FileIO.isRegularFile(path + "/.lock") { return FileLock.exclusiveIfFree(path + "/.lock", create: false) }
        var info = stat()
        guard stat(path, &info) == 0, Date().timeIntervalSince1970 - TimeInterval(info.st_mtim.tv_sec) > 60 else { return nil }
        return FileLock.exclusiveIfFree(path + "/.lock")
    }

    /// Deletes a blob that has passed through (placed at its destination),
    /// so the scratch store holds only the blobs still in flight.
    func removeBlob(_ digest: Digest) {
        unlink(store.blobPath(digest))
    }

    /// Deletes the directory and everything in it, then lets go of it.
    package func remove() {
        try? FileManager.default.removeItem(at: url)
        lock.release()
    }
}
