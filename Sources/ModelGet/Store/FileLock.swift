import Foundation

/// A `flock` on a file, held until `release`.
final class FileLock: Sendable {
    let fd: Int32

    private init(fd: Int32) { self.fd = fd }

    /// Takes an exclusive lock on `path` (creating the file unless told
    /// not to) without waiting; nil when another process holds it or the
    /// file cannot be opened.
    static func exclusiveIfFree(_ path: String, create: Bool = true) -> FileLock? {
        try? take(path, LOCK_EX, create: create, owner: nil)
    }

    /// Takes a lock (`LOCK_SH` or `LOCK_EX`) on `path`, creating it for
    /// `owner` if missing, without waiting: nil when another process holds
    /// a conflicting lock; throws when the file cannot be opened.
    static func take(_ path: String, _ operation: Int32, owner: FileOwner?) throws -> FileLock? {
        try take(path, operation, create: true, owner: owner)
    }

    /// True when another process holds a lock on `path`.
    static func isHeld(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return flock(fd, LOCK_EX | LOCK_NB) != 0
    }

    private static func take(_ path: String, _ operation: Int32, create: Bool, owner: FileOwner?) throws -> FileLock? {
        var fd = open(path, O_RDWR | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT : 0), 0o644)
        if fd < 0 && errno == EACCES { fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW) }
        guard fd >= 0 else { throw FileIO.error(path) }
        owner?.apply(fd: fd)
        while flock(fd, operation | LOCK_NB) != 0 {
            if errno == EINTR { continue }
            let code = errno
            close(fd)
            guard code == EWOULDBLOCK else { throw FileIO.error(path, code: code) }
            return nil
        }
        return FileLock(fd: fd)
    }

    func release() {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
