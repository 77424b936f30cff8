import Foundation

/// An exclusive `flock` on a blob's partial file, so that two modelget
/// processes never write the same partial file at once.
final class PartialFileLock: Sendable {
    let fd: Int32
    /// True when the file held no bytes when it was locked (just created,
    /// most often): it has no part state worth reading.
    let wasEmpty: Bool

    private init(fd: Int32, wasEmpty: Bool) {
        self.fd = fd
        self.wasEmpty = wasEmpty
    }

    /// Opens (creating) and locks `path`. While another process holds the
    /// lock it waits (calling `waiting(true)` when the wait starts and
    /// `waiting(false)` when it ends), and returns nil as soon as `done()`
    /// says the work was finished by the other process.
    /// Out of file descriptors (`EMFILE`, `ENFILE`) it waits for the
    /// operation's other transfers to give some back, for up to
    /// `patience`, rather than failing the blob. `opening` is `open(2)`
    /// (a test stands in for a process out of descriptors: running one out
    /// for real would also starve libdispatch, which then aborts the process).
    static func acquire(_ path: String, until done: @Sendable () -> Bool,
                        waiting: @Sendable (Bool) -> Void = { _ in },
                        patience: Duration = descriptorPatience,
                        opening: (String) -> Int32 = { open($0, O_RDWR | O_CREAT | O_CLOEXEC, 0o644) }) async throws -> PartialFileLock? {
        let deadline = ContinuousClock.now + patience
        var waited = false
        defer { if waited { waiting(false) } }
        while true {
            if done() { return nil }
            let fd = opening(path)
            if fd < 0, errno == EMFILE || errno == ENFILE, ContinuousClock.now < deadline {
                try await Task.sleep(nanoseconds: 50_000_000)
                continue
            }
            guard fd >= 0 else { throw FileIO.error(path) }
            if flock(fd, LOCK_EX | LOCK_NB) == 0 {
                // The holder may have renamed the file away before we locked it.
                var opened = stat(), current = stat()
                if fstat(fd, &opened) == 0, stat(path, &current) == 0, opened.st_ino == current.st_ino {
                    guard done() else { return PartialFileLock(fd: fd, wasEmpty: opened.st_size == 0) }
                    // Finished by another process just before we created this file.
                    unlink(path)
                    close(fd)
                    return nil
                }
            }
            close(fd)
            if !waited {
                waited = true
                waiting(true)
            }
            try await Task.sleep(nanoseconds: 200_000_000)
        }
    }

    /// How long a blob waits for a file descriptor before it fails.
    static let descriptorPatience: Duration = .seconds(30)

    /// Unlocks and closes the file (the file itself stays for resume or was renamed).
    func release() {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
