import Foundation

/// What a prune removed (or, for a dry run, would remove).
public struct PruneResult: Sendable {
    /// Complete blobs no manifest names.
    public var unreferencedBlobs: [(digest: Digest, size: Int64)] = []
    /// Partial files no process is writing.
    public var stalePartials: [(name: String, size: Int64)] = []

    /// The bytes these files take.
    public var freedBytes: Int64 {
        unreferencedBlobs.reduce(0) { $0 + $1.size } + stalePartials.reduce(0) { $0 + $1.size }
    }
}

extension ModelStore {
    /// Removes blobs that no manifest names and stale partial files. A
    /// partial file is stale when no modelget process holds its lock and
    /// it was last written at least `partialAge` seconds ago (ollama writes
    /// its partial files without a lock, so a recent one may be in use).
    public func prune(partialAge: TimeInterval = 600, dryRun: Bool = false, now: Date = Date()) throws -> PruneResult {
        let referenced = try catalog().referencedDigests
        var result = PruneResult()
        for file in blobFiles() {
            switch file {
            case let .blob(digest, size) where !referenced.contains(digest):
                if !dryRun { try removeBlob(digest) }
                result.unreferencedBlobs.append((digest, size))
            case let .partial(name, size, modified) where now.timeIntervalSince(modified) >= partialAge:
                let path = blobsDirectory + "/" + name
                guard dryRun ? !isLocked(path) : removeIfUnlocked(path) else { continue }
                result.stalePartials.append((name, size))
            default:
                continue
            }
        }
        return result
    }

    /// Takes the partial file's lock without waiting and, when it is free,
    /// unlinks the file while holding it.
    private func removeIfUnlocked(_ path: String) -> Bool {
        let fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else { return false }
        return unlink(path) == 0
    }

    private func isLocked(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return flock(fd, LOCK_EX | LOCK_NB) != 0
    }
}
