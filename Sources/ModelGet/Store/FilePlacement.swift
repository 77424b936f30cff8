import Foundation

/// Puts a verified copy of a store blob under a new name, atomically: a
/// hidden temporary file beside the destination, checked against the
/// digest, fsynced, renamed. What is exported is always bytes: a store
/// blob that is a symbolic link is read through, never linked.
enum FilePlacement {
    /// `_IOW(0x94, 9, int)`, Linux's `FICLONE`.
    static let ficlone: UInt = 0x4004_9409

    /// Places `source` (whose bytes must hash to `digest`) at `destination`,
    /// trying a reflink, then (only when `allowHardLink`, and only for a
    /// regular file) a hard link, then a copy.
    static func place(_ source: String, digest: Digest, at destination: String, allowHardLink: Bool = false) throws -> PlacementMethod {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw FileIO.error(source) }
        defer { close(input) }
        return try place(input, path: source, digest: digest, at: destination) { temporary in
            allowHardLink && FileIO.isRegularFile(source) && link(source, temporary) == 0
        }
    }

    /// Places a stored blob opened for reading (see `place`), a reflink
    /// else a copy: the handle has no name to link.
    static func place(_ blob: StoredBlob, digest: Digest, at destination: String) throws -> PlacementMethod {
        try place(blob.fd, path: blob.path, digest: digest, at: destination) { _ in false }
    }

    /// Places the open file `input` (named `path` in errors); `hardLink`
    /// links it at the temporary name when it can.
    private static func place(_ input: Int32, path: String, digest: Digest, at destination: String,
                              hardLink: (String) -> Bool) throws -> PlacementMethod {
        let temporary = temporaryPath(beside: destination)
        do {
            let method: PlacementMethod
            if try clone(input, to: temporary) {
                method = .reflink
            } else if hardLink(temporary) {
                method = .hardlink
            } else {
                method = try copyVerifying(input, path: path, to: temporary, digest: digest)
            }
            if method != .copy {
                try digest.verify(actualHex: try FileIO.hashFile(temporary).hex)
            }
            try commit(temporary, to: destination)
            return method
        } catch {
            unlink(temporary)
            throw error
        }
    }

    /// `<dir>/.<name>.modelget-<pid>-<random>`.
    static func temporaryPath(beside destination: String) -> String {
        let name = (destination as NSString).lastPathComponent
        return directory(of: destination) + "/." + name + ".modelget-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
    }

    /// The directory a path names a file in (`.` for a bare file name).
    static func directory(of path: String) -> String {
        let directory = (path as NSString).deletingLastPathComponent
        return directory.isEmpty ? "." : directory
    }

    /// Renames `temporary` to `destination` and makes it durable. When both
    /// already name one file (a hard link), rename does nothing, so the
    /// temporary name is removed by hand.
    static func commit(_ temporary: String, to destination: String) throws {
        guard rename(temporary, destination) == 0 else { throw FileIO.error(destination) }
        if FileIO.isRegularFile(temporary) { unlink(temporary) }
        FileIO.syncDirectory(directory(of: destination))
    }

    /// A copy-on-write clone of the open file `input` at the new file
    /// `destination`; false (and no file left) where the file system cannot clone.
    private static func clone(_ input: Int32, to destination: String) throws -> Bool {
        let output = open(destination, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard output >= 0 else { throw FileIO.error(destination) }
        defer { close(output) }
        if ioctl(output, ficlone, input) == 0 { return true }
        unlink(destination)
        return false
    }

    /// Copies while hashing what is read; fails on a hash mismatch.
    private static func copyVerifying(_ input: Int32, path source: String, to destination: String, digest: Digest) throws -> PlacementMethod {
        let output = open(destination, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard output >= 0 else { throw FileIO.error(destination) }
        defer { close(output) }
        let hasher = SHA256Hasher()
        var offset: Int64 = 0
        try FileIO.forEachChunk(input, path: source) { bytes in
            hasher.update(bytes)
            try FileIO.pwriteAll(output, bytes, at: offset, path: destination)
            offset += Int64(bytes.count)
        }
        try digest.verify(actualHex: hasher.finalizeHex())
        try FileIO.fsync(output, path: destination)
        return .copy
    }

    /// Writes a whole file to `fd` (standard output), hashing what it sends:
    /// the file is opened once (without following a symbolic link when
    /// `followingLinks` is false), verified against `digest` before the
    /// first byte goes out, and the bytes sent are hashed again, so a file
    /// changed while it is streamed fails the command.
    static func send(_ path: String, digest: Digest, to fd: Int32, followingLinks: Bool) throws {
        let input = open(path, O_RDONLY | O_CLOEXEC | (followingLinks ? 0 : O_NOFOLLOW))
        guard input >= 0 else { throw FileIO.error(path) }
        defer { close(input) }
        var info = stat()
        guard fstat(input, &info) == 0 else { throw FileIO.error(path) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw ModelGetError.fileSystem(path: path, reason: "not a regular file") }
        let before = SHA256Hasher()
        try FileIO.forEachChunk(input, path: path) { before.update($0) }
        try digest.verify(actualHex: before.finalizeHex())
        let sent = SHA256Hasher()
        try FileIO.forEachChunk(input, path: path) { bytes in
            sent.update(bytes)
            var done = 0
            while done < bytes.count {
                let n = write(fd, bytes.baseAddress! + done, bytes.count - done)
                if n < 0 && errno == EINTR { continue }
                guard n > 0 else { throw FileIO.error("standard output") }
                done += n
            }
        }
        try digest.verify(actualHex: sent.finalizeHex())
    }
}
