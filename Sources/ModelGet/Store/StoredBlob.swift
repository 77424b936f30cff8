import Foundation
import Synchronization

/// A blob of the store opened for reading, handed out by
/// `ModelStore.openBlob`: it owns its file descriptor, so a reader never
/// builds a path into `blobs/` or opens one itself. `size` is the file's,
/// as it was opened (a caller that knows the manifest's size compares).
/// The caller closes it; a handle let go unclosed (a response body never
/// sent) closes its descriptor when it goes away.
public final class StoredBlob: RandomAccessReader {
    public let digest: Digest
    /// The file's size when it was opened.
    public let size: Int64
    /// The open file, for `sendfile(2)` or a reader that streams it; the
    /// handle owns it (only `close` closes it).
    package let fd: Int32
    /// Named in errors.
    let path: String
    private let closed = Atomic<Bool>(false)

    init(digest: Digest, path: String, fd: Int32, size: Int64) {
        self.digest = digest
        self.path = path
        self.fd = fd
        self.size = size
    }

    deinit {
        close()
    }

    /// Fills `buffer` from byte `offset`; a blob too short for it is an error.
    public func read(into buffer: UnsafeMutableRawBufferPointer, at offset: Int64) throws {
        try FileIO.readFully(fd, into: buffer, at: offset, path: path)
    }

    /// The first `length` bytes, or every byte of a shorter blob.
    public func prefix(_ length: Int64) throws -> Data {
        var data = Data(count: Int(max(0, min(length, size))))
        try data.withUnsafeMutableBytes { try read(into: $0, at: 0) }
        return data
    }

    /// Reads `length` bytes from the start in 1 MiB pieces (a shorter blob
    /// is an error).
    public func forEachChunk(length: Int64, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        try FileIO.forEachChunk(fd, length: length, path: path, body)
    }

    /// Closes the file (once; later calls do nothing).
    public func close() {
        guard !closed.exchange(true, ordering: .relaxed) else { return }
        Glibc.close(fd)
    }
}

extension ModelStore {
    /// Opens `blobs/sha256-<hex>` for reading (anything but a regular file
    /// there, after symbolic links unless `followingLinks` is false, is
    /// refused); the caller closes it. What serves other machines does not
    /// follow links, so a link planted in the store never serves a file
    /// outside it.
    public func openBlob(_ digest: Digest, followingLinks: Bool = true) throws -> StoredBlob {
        let path = blobPath(digest)
        let fd = open(path, O_RDONLY | O_CLOEXEC | (followingLinks ? 0 : O_NOFOLLOW))
        guard fd >= 0 else { throw FileIO.error(path) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let failure = FileIO.error(path)
            Glibc.close(fd)
            throw failure
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            Glibc.close(fd)
            throw ModelGetError.fileSystem(path: path, reason: "not a regular file")
        }
        return StoredBlob(digest: digest, path: path, fd: fd, size: Int64(info.st_size))
    }

    /// A small blob's bytes, unverified. The file must be exactly the size
    /// the manifest states, so a damaged store never makes a reader take a
    /// huge file into memory.
    func blobBytes(_ blob: Descriptor) throws -> Data {
        let stored = try openBlob(blob.digest)
        defer { stored.close() }
        guard stored.size == blob.size else {
            throw ModelGetError.sizeMismatch(digest: blob.digest.description, expected: blob.size, actual: stored.size)
        }
        return try stored.prefix(stored.size)
    }

    /// A small blob's bytes, verified against its digest (see `blobBytes`).
    func readSmallBlob(_ blob: Descriptor) throws -> Data {
        let data = try blobBytes(blob)
        try blob.digest.verify(actualHex: SHA256Hasher.hex(of: data))
        return data
    }
}
