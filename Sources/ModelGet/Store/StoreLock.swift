import Foundation
import Synchronization

/// The store lock, `.modelget/store.lock`: every modelget process that
/// adds blobs and then a manifest naming them (pull, sync, `copy --keep`,
/// import, `cp`, `blob --keep`, `verify --repair`, serve's pull-through)
/// holds it shared from the moment it looks at which blobs are present
/// until its manifest is written; `prune` and `rm` delete blobs only
/// while they hold it exclusively. So a blob a running pull has committed
/// but not yet named in a manifest is never taken for unused. A writer
/// waits the moment a prune holds it; a prune or rm never waits for a
/// writer: it deletes no blob and says so.
///
/// The rule is a type, not a comment: every door that adds to `blobs/` or
/// `manifests/` (`writeManifest`, `adoptBlob`, `openBlobWriter` and so the
/// `FetchEngine`'s downloads) asks for the `StoreLease` only `whileWriting`
/// makes. A store of modelget's own making that no prune ever sees (blob
/// export's `StagingArea`, copy's `ScratchDirectory`, a tensor folder's
/// scratch pull) takes its own lock the same way: one `flock`, and one
/// rule for every store.
extension ModelStore {
    var storeLockPath: String { stateDirectory + "/store.lock" }

    /// Runs `body` holding the store lock shared (waiting while a prune or
    /// rm holds it), with the lease that opens the store's write doors;
    /// the lease is void once `body` returns.
    package func whileWriting<T: Sendable>(_ body: (StoreLease) async throws -> T) async throws -> T {
        try FileIO.makeDirectories(stateDirectory, owner: owner)
        let owner = self.owner
        var lock = try FileLock.take(storeLockPath, LOCK_SH, owner: owner)
        while lock == nil {
            try await Task.sleep(nanoseconds: 50_000_000)
            lock = try FileLock.take(storeLockPath, LOCK_SH, owner: owner)
        }
        let lease = StoreLease(store: self)
        defer {
            lease.end()
            lock?.release()
        }
        return try await body(lease)
    }

    /// The store lock held exclusively, or nil while a writer holds it.
    func lockForDeleting() throws -> FileLock? {
        var info = stat()
        guard stat(root.path, &info) == 0 else { throw ModelGetError.fileSystem(path: root.path, reason: "no such models directory") }
        try FileIO.makeDirectories(stateDirectory, owner: owner)
        return try FileLock.take(storeLockPath, LOCK_EX, owner: owner)
    }
}

/// Proof that this process holds one store's lock shared: what the doors
/// that add to `blobs/` or `manifests/` ask for. Only
/// `ModelStore.whileWriting` makes one, and hands it to its body.
///
/// It is a class, not a `~Copyable` value borrowed by the body: the
/// body hands it to the tasks that fetch blobs at once
/// (`forEachConcurrently`, a task group's `@escaping @Sendable` closures),
/// and Swift 6.3 lets no escaping closure capture a borrowed parameter
/// ("cannot be captured by an escaping closure since it is a borrowed
/// parameter"; as a closure's own parameter, 6.3.1's move checker
/// crashes), and to the `BlobWriter`s and `CommitBatch` that rename blobs
/// later, which would have to own it. So a lease that escapes its body
/// is made useless instead: it knows its store and whether its lock is
/// still held, and every door throws (`ModelGetError.fileSystem`, naming
/// a modelget bug) for the lease of another store or of a lock released.
package final class StoreLease: Sendable {
    /// The store whose lock is held.
    package let store: ModelStore
    private let held = Atomic<Bool>(true)

    fileprivate init(store: ModelStore) {
        self.store = store
    }

    fileprivate func end() {
        held.store(false, ordering: .releasing)
    }

    /// Throws unless this is `target`'s lease and its lock is still held.
    func check(opens target: ModelStore) throws {
        guard target.rootPath == store.rootPath else {
            throw ModelGetError.fileSystem(path: target.rootPath,
                                           reason: "written under the store lock of \(store.rootPath) (a modelget bug)")
        }
        guard held.load(ordering: .acquiring) else {
            throw ModelGetError.fileSystem(path: target.rootPath, reason: "written after the store lock was released (a modelget bug)")
        }
    }
}
