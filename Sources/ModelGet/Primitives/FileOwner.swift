import Foundation

/// The user new files and folders are given to (`FileIO`'s `owner:`): the
/// user a models directory belongs to, when modelget runs as root in a
/// store another user owns (the Linux service store belongs to user
/// `ollama`), so `ollama rm` and ollama's prune can still remove them.
struct FileOwner: Sendable, Equatable {
    let uid: uid_t
    let gid: gid_t

    /// The owner of `root` when this process is root and `root` belongs
    /// to another user; nil otherwise (files are then the caller's).
    static func of(_ root: String) -> FileOwner? {
        guard geteuid() == 0 else { return nil }
        var info = stat()
        guard stat(root, &info) == 0, info.st_uid != 0 else { return nil }
        return FileOwner(uid: info.st_uid, gid: info.st_gid)
    }

    /// Gives `path` (not following a symbolic link) to the owner.
    func apply(_ path: String) {
        _ = lchown(path, uid, gid)
    }

    /// Gives an open file to the owner.
    func apply(fd: Int32) {
        _ = fchown(fd, uid, gid)
    }
}
