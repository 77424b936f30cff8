import CArchive
import Foundation

/// The mode and times each directory entry of an image asked for, applied
/// once every layer is unpacked, as `umoci unpack` leaves them.
///
/// libarchive sets a directory's times only when it creates it (a
/// directory listed again by a later layer keeps the time of the unpack),
/// and every entry written into a directory later moves its modification
/// time. Without root, a directory whose mode withholds the owner's write
/// or search permission (Fedora's 0555 `/usr/bin`) would stop later layers
/// from writing into it: it is created owner-writable and gets its mode at
/// the end. The last entry that names a directory wins; a directory that a
/// whiteout or a non-directory entry removed is forgotten.
final class DirectoryFixups {
    private struct Wanted {
        /// The permission bits to restore, when the entry's were widened.
        var mode: mode_t?
        var accessTime: timespec
        var modificationTime: timespec
    }

    /// Linux's UTIME_OMIT (a macro Swift does not import): leave that time as it is.
    private static let utimeOmit = (1 << 30) - 2

    /// True when this process is not root: directories stay owner-writable while layers are applied.
    let keepsDirectoriesWritable: Bool
    private var wanted: [[String]: Wanted] = [:]

    init(keepsDirectoriesWritable: Bool = geteuid() != 0) {
        self.keepsDirectoriesWritable = keepsDirectoriesWritable
    }

    /// Records what the directory `entry` at root-relative `components`
    /// asks for and, without root, widens the entry's mode to the owner's
    /// read, write and search before libarchive writes it.
    func record(_ components: [String], entry: OpaquePointer) {
        let mode = archive_entry_perm(entry)
        var restore: mode_t?
        if keepsDirectoriesWritable && mode & S_IRWXU != S_IRWXU {
            restore = mode
            archive_entry_set_perm(entry, mode | S_IRWXU)
        }
        let omitted = timespec(tv_sec: 0, tv_nsec: Self.utimeOmit)
        let modification = archive_entry_mtime_is_set(entry) != 0
            ? timespec(tv_sec: archive_entry_mtime(entry), tv_nsec: archive_entry_mtime_nsec(entry)) : omitted
        let access = archive_entry_atime_is_set(entry) != 0
            ? timespec(tv_sec: archive_entry_atime(entry), tv_nsec: archive_entry_atime_nsec(entry)) : modification
        wanted[components] = Wanted(mode: restore, accessTime: access, modificationTime: modification)
    }

    /// Drops what was recorded for `components` and everything under it (it was removed).
    func forget(_ components: [String]) {
        guard !wanted.isEmpty else { return }
        wanted = wanted.filter { !$0.key.starts(with: components) }
    }

    /// Sets every recorded directory's times, then its mode, deepest first
    /// (a parent made 0555 or 0500 stays reachable while its children are done).
    func apply(in root: RootFilesystem) throws {
        for (components, wanted) in wanted.sorted(by: { $0.key.count > $1.key.count }) {
            let path = root.path(components)
            guard RootFilesystem.isDirectory(path) else { continue }
            let times = [wanted.accessTime, wanted.modificationTime]
            guard utimensat(AT_FDCWD, path, times, AT_SYMLINK_NOFOLLOW) == 0 else { throw FileIO.error(path) }
            if let mode = wanted.mode, chmod(path, mode) != 0 { throw FileIO.error(path) }
        }
    }
}
