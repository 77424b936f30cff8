import Foundation
import Synchronization

/// A file in the store's own space (under `.modelget/`) written from its
/// first byte to its last, SHA-256 taken of exactly the bytes written: for
/// bytes that become a blob only once their digest is known (an import's
/// members) or whose size may never be told (serve's pull-through). Its
/// `finish` gives the `HashedFile` that `ModelStore.adoptBlob` names as a
/// blob without reading it again; only this file can make one.
package final class HashingFileWriter: Sendable {
    package let path: String
    /// The open file; readers may `dup` it to follow the bytes as they
    /// arrive (serve). The writer owns it: only `close` closes it.
    package let fd: Int32
    private let hasher = Mutex(SHA256Hasher())
    private let count = Atomic<Int64>(0)
    private let closed = Atomic<Bool>(false)

    /// Creates `path` (which must not exist) in `store`'s own space.
    package init(creating path: String, in store: ModelStore) throws {
        guard path.hasPrefix(store.stateDirectory + "/") else {
            throw ModelGetError.fileSystem(path: path, reason: "outside the store's \(store.stateDirectory)")
        }
        let fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw FileIO.error(path) }
        self.path = path
        self.fd = fd
    }

    /// The bytes written so far.
    package var written: Int64 { count.load(ordering: .acquiring) }

    /// Writes `bytes` after those written before and hashes them. One
    /// caller at a time.
    package func append(_ bytes: UnsafeRawBufferPointer) throws {
        let offset = count.load(ordering: .relaxed)
        try FileIO.pwriteAll(fd, bytes, at: offset, path: path)
        hasher.withLock { $0.update(bytes) }
        count.store(offset + Int64(bytes.count), ordering: .releasing)
    }

    /// fsyncs the file and gives what was written. Write no more after it.
    package func finish() throws -> HashedFile {
        try FileIO.fsync(fd, path: path)
        let hex = hasher.withLock { $0.finalizeHex() }
        return HashedFile(path: path, size: written, digest: try Digest(hex: hex))
    }

    /// Closes the file (once; later calls do nothing). The file stays.
    package func close() {
        guard !closed.exchange(true, ordering: .relaxed) else { return }
        Glibc.close(fd)
    }
}

/// A durable file of the store's own space and the digest of its bytes,
/// as its `HashingFileWriter` hashed them while writing them.
package struct HashedFile: Sendable, Equatable {
    package let path: String
    package let size: Int64
    package let digest: Digest

    fileprivate init(path: String, size: Int64, digest: Digest) {
        self.path = path
        self.size = size
        self.digest = digest
    }
}

extension ModelStore {
    /// Names `file` as `descriptor`'s blob (`blobs/sha256-<hex>`, owned as
    /// the store is) when its bytes hashed to the descriptor's digest and
    /// are of its size; else throws `digestMismatch` or `sizeMismatch` and
    /// moves nothing. Returns false, leaving the file, when the blob is in
    /// place already.
    package func adoptBlob(_ file: HashedFile, as descriptor: Descriptor, under lease: StoreLease) throws -> Bool {
        try lease.check(opens: self)
        guard file.digest == descriptor.digest else {
            throw ModelGetError.digestMismatch(digest: descriptor.digest.description, actual: file.digest.hex)
        }
        guard file.size == descriptor.size else {
            throw ModelGetError.sizeMismatch(digest: descriptor.digest.description, expected: descriptor.size, actual: file.size)
        }
        if hasBlob(descriptor) { return false }
        try commitBlob(from: file.path, digest: descriptor.digest, under: lease)
        return true
    }
}
