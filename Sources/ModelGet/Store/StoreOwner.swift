import Foundation

/// The user a models directory belongs to, when modelget runs as root in
/// a store another user owns (the Linux service store belongs to user
/// `ollama`): the files and folders modelget creates there are given to
/// that user, so `ollama rm` and ollama's prune can still remove them.
struct StoreOwner: Sendable, Equatable {
    let uid: uid_t
    let gid: gid_t

    /// The owner of `root` when this process is root and `root` belongs
    /// to another user; nil otherwise (files are then the caller's).
    static func of(_ root: String) -> StoreOwner? {
        guard geteuid() == 0 else { return nil }
        var info = stat()
        guard stat(root, &info) == 0, info.st_uid != 0 else { return nil }
        return StoreOwner(uid: info.st_uid, gid: info.st_gid)
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
