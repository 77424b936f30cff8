import Foundation

/// The project's POSIX helpers (the store, archives, root filesystems and
/// every other part that writes or reads files use them, so raw calls stay
/// here): errors become `ModelGetError`s that name the path, and `ENOSPC`
/// becomes `.diskFull`.
enum FileIO {
    /// Bytes the file at `path` takes on disk (0 when there is none).
    static func allocatedBytes(_ path: String) -> Int64 {
        var info = stat()
        return stat(path, &info) == 0 ? Int64(info.st_blocks) * 512 : 0
    }

    /// True while process `pid` (this one included) exists.
    static func isAlive(_ pid: Int32) -> Bool {
        pid == getpid() || kill(pid, 0) == 0 || errno != ESRCH
    }

    /// Bytes an unprivileged writer may still put on the file system
    /// holding `path` (`statvfs`: available blocks), or nil when unknown.
    static func freeSpace(_ path: String) -> Int64? {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        let (product, overflow) = Int64(info.f_bavail).multipliedReportingOverflow(by: Int64(info.f_frsize))
        return overflow ? .max : product
    }

    /// Opens `path` for reading (`flags` added to `O_RDONLY | O_CLOEXEC`:
    /// `O_NONBLOCK`, `O_NOFOLLOW`); the caller closes it. A failure is
    /// `failure(errno)` when given, else the error naming the path.
    static func openForReading(_ path: String, flags: Int32 = 0, failure: ((Int32) -> Error)? = nil) throws -> Int32 {
        let fd = open(path, O_RDONLY | O_CLOEXEC | flags)
        guard fd >= 0 else {
            let code = errno
            throw failure?(code) ?? error(path, code: code)
        }
        return fd
    }

    /// Creates `path`, which must not exist yet, for writing (mode 0644);
    /// the caller closes it.
    static func createNew(_ path: String) throws -> Int32 {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw error(path) }
        return fd
    }

    static func error(_ path: String, needed: Int64 = 0, code: Int32 = errno) -> ModelGetError {
        if code == ENOSPC || code == EDQUOT { return .diskFull(path: path, needed: needed) }
        return .fileSystem(path: path, reason: String(cString: strerror(code)))
    }

    /// Writes all of `bytes` at `offset`, retrying short writes.
    static func pwriteAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int64, path: String) throws {
        var done = 0
        while done < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + done, bytes.count - done, off_t(offset + Int64(done)))
            if n < 0 {
                if errno == EINTR { continue }
                throw error(path, needed: Int64(bytes.count - done))
            }
            done += n
        }
    }

    static func fsync(_ fd: Int32, path: String) throws {
        guard Glibc.fsync(fd) == 0 else { throw error(path) }
    }

    /// `syncfs(2)`: writes out every file of the file system `fd` is on and
    /// waits (one flush for many files). Glibc's Swift module does not
    /// declare it, so it is looked up once; where it is missing, `sync()`.
    static func syncFileSystem(_ fd: Int32, path: String) throws {
        guard let syncfs = syncfsFunction else {
            Glibc.sync()
            return
        }
        guard syncfs(fd) == 0 else { throw error(path) }
    }

    private static let syncfsFunction: (@convention(c) (Int32) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "syncfs") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int32) -> Int32).self)
    }()

    /// Starts writing `fd`'s dirty pages to disk without waiting
    /// (`sync_file_range(SYNC_FILE_RANGE_WRITE)`), so a later `syncfs` or
    /// fsync finds them written or on their way. Best effort: a kernel or
    /// C library without it leaves the work to that later flush.
    static func startWriteback(_ fd: Int32) {
        _ = syncFileRangeFunction?(fd, 0, 0, syncFileRangeWrite)
    }

    /// `SYNC_FILE_RANGE_WRITE` from `<fcntl.h>` (not visible to Swift).
    private static let syncFileRangeWrite: UInt32 = 2

    private static let syncFileRangeFunction: (@convention(c) (Int32, Int64, Int64, UInt32) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "sync_file_range") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int32, Int64, Int64, UInt32) -> Int32).self)
    }()

    /// fsyncs a directory so a rename inside it is durable.
    static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = Glibc.fsync(fd)
        close(fd)
    }

    /// Creates `path` and its missing parents; each folder it creates is
    /// given to `owner` when there is one.
    static func makeDirectories(_ path: String, owner: FileOwner? = nil) throws {
        var missing: [String] = []
        var directory = path
        var info = stat()
        while !directory.isEmpty, directory != "/", stat(directory, &info) != 0 {
            missing.append(directory)
            directory = (directory as NSString).deletingLastPathComponent
        }
        for created in missing.reversed() {
            guard mkdir(created, 0o755) == 0 || errno == EEXIST else { throw error(created) }
            owner?.apply(created)
        }
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else {
            throw ModelGetError.fileSystem(path: path, reason: "cannot create directory")
        }
    }

    /// Writes `data` to `path` atomically: a temporary file (in
    /// `temporaryDirectory`, which must be on the same file system, else
    /// beside `path`) renamed over `path`; with `durable` (the default) the
    /// file is fsynced before and the directory after the rename. New
    /// folders and the file are given to `owner` when there is one.
    static func writeAtomically(_ data: Data, to path: String, durable: Bool = true, temporaryDirectory: String? = nil,
                                owner: FileOwner? = nil) throws {
        let directory = (path as NSString).deletingLastPathComponent
        try makeDirectories(directory, owner: owner)
        let name = "." + (path as NSString).lastPathComponent + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let temp = (temporaryDirectory ?? directory) + "/" + name
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw error(temp) }
        do {
            try data.withUnsafeBytes { try pwriteAll(fd, $0, at: 0, path: temp) }
            if durable { try fsync(fd, path: temp) }
            owner?.apply(fd: fd)
            close(fd)
        } catch {
            close(fd)
            unlink(temp)
            throw error
        }
        guard rename(temp, path) == 0 else {
            let failure = error(path)
            unlink(temp)
            throw failure
        }
        if durable { syncDirectory(directory) }
    }

    /// The size of a regular file, or nil when there is none.
    static func size(_ path: String) -> Int64? {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int64(info.st_size)
    }

    /// Fills `buffer` from the file at `offset`; a short file is an error.
    static func readFully(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, at offset: Int64, path: String) throws {
        var done = 0
        while done < buffer.count {
            let n = pread(fd, buffer.baseAddress! + done, buffer.count - done, off_t(offset + Int64(done)))
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw error(path) }
            guard n > 0 else { throw ModelGetError.fileSystem(path: path, reason: "file is shorter than expected") }
            done += n
        }
    }

    /// Hashes `length` bytes of an open file from the start.
    static func hashPrefix(_ fd: Int32, length: Int64, into hasher: SHA256Hasher, path: String) throws {
        try forEachChunk(fd, length: length, path: path) { hasher.update($0) }
    }

    /// Reads an open file from the start in 1 MiB pieces: `length` bytes
    /// (a shorter file is an error), or to the end when `length` is nil.
    static func forEachChunk(_ fd: Int32, length: Int64? = nil, path: String,
                             _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        var offset: Int64 = 0
        while length.map({ offset < $0 }) ?? true {
            let want = length.map { Int(min(Int64(buffer.count), $0 - offset)) } ?? buffer.count
            let n = pread(fd, buffer.baseAddress, want, off_t(offset))
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw error(path) }
            if n == 0 {
                guard length == nil else { throw ModelGetError.fileSystem(path: path, reason: "file is shorter than expected") }
                return
            }
            try body(UnsafeRawBufferPointer(rebasing: buffer[0..<n]))
            offset += Int64(n)
        }
    }
}

extension FileIO {
    /// True when `path` is a regular file (symbolic links are not followed).
    static func isRegularFile(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }

    /// Hashes a whole file; returns its size and lowercase hex SHA-256.
    static func hashFile(_ path: String) throws -> (size: Int64, hex: String) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw error(path) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw error(path) }
        let hasher = SHA256Hasher()
        try hashPrefix(fd, length: Int64(info.st_size), into: hasher, path: path)
        return (Int64(info.st_size), hasher.finalizeHex())
    }

    /// Removes `path`'s empty parent directories up to, not including, `stop`.
    static func removeEmptyParents(of path: String, upTo stop: String) {
        var directory = (path as NSString).deletingLastPathComponent
        while directory.hasPrefix(stop + "/"), rmdir(directory) == 0 {
            directory = (directory as NSString).deletingLastPathComponent
        }
    }
}

extension FileIO {
    /// The bytes the regular files under `path` take (symbolic links not followed).
    static func treeSize(_ path: String) -> Int64 {
        var info = stat()
        guard lstat(path, &info) == 0 else { return 0 }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return Int64(info.st_size)
        case S_IFDIR:
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            return entries.reduce(0) { $0 + treeSize(path + "/" + $1) }
        default: return 0
        }
    }

    /// The modification time of `path` (not following a symbolic link).
    static func modified(_ path: String) -> Date? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(info.st_mtim.tv_sec) + TimeInterval(info.st_mtim.tv_nsec) / 1e9)
    }
}
