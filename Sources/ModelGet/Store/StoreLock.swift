import Foundation

/// The store lock, `.modelget/store.lock`: every modelget process that
/// adds blobs and then a manifest naming them (pull, sync, copy --keep,
/// import, serve's pull-through)
/// holds it shared from the moment it looks at which blobs are present
/// until its manifest is written; `prune` and `rm` delete blobs only
/// while they hold it exclusively. So a blob a running pull has committed
/// but not yet named in a manifest is never taken for unused. A writer
/// waits the moment a prune holds it; a prune or rm never waits for a
/// writer: it deletes no blob and says so.
extension ModelStore {
    var storeLockPath: String { stateDirectory + "/store.lock" }

    /// Runs `body` holding the store lock shared (waiting while a prune or
    /// rm holds it).
    package func whileWriting<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        try FileIO.makeDirectories(stateDirectory, owner: owner)
        let owner = self.owner
        var lock = try FileLock.take(storeLockPath, LOCK_SH, owner: owner)
        while lock == nil {
            try await Task.sleep(nanoseconds: 50_000_000)
            lock = try FileLock.take(storeLockPath, LOCK_SH, owner: owner)
        }
        defer { lock?.release() }
        return try await body()
    }

    /// The store lock held exclusively, or nil while a writer holds it.
    func lockForDeleting() throws -> FileLock? {
        var info = stat()
        guard stat(root.path, &info) == 0 else { throw ModelGetError.fileSystem(path: root.path, reason: "no such models directory") }
        try FileIO.makeDirectories(stateDirectory, owner: owner)
        return try FileLock.take(storeLockPath, LOCK_EX, owner: owner)
    }
}
