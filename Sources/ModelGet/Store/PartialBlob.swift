import Foundation
import Synchronization

/// A blob's partial file, preallocated to the blob's size, and the ranges
/// of it that hold received bytes. Ranges are recorded as bytes are written;
/// `checkpoint` fsyncs the file and then writes them to the sidecar.
final class PartialBlob: Sendable {
    let fd: Int32
    let path: String
    let statePath: String
    let size: Int64
    private let done: Mutex<ByteRanges>

    private init(fd: Int32, path: String, statePath: String, size: Int64, done: ByteRanges) {
        self.fd = fd
        self.path = path
        self.statePath = statePath
        self.size = size
        self.done = Mutex(done)
    }

    /// Opens the partial file locked as `fd`: keeps the ranges its sidecar
    /// records when the sidecar and file agree on the size, else starts
    /// empty. The file is preallocated so a full disk shows up now.
    static func open(fd: Int32, path: String, statePath: String, size: Int64) throws -> PartialBlob {
        var kept = ByteRanges()
        if let state = PartState.load(statePath), state.size == size, FileIO.size(path) == size, let ranges = state.ranges {
            kept = ranges
        } else {
            unlink(statePath)
            guard ftruncate(fd, 0) == 0 else { throw FileIO.error(path) }
        }
        try preallocate(fd, size: size, path: path)
        return PartialBlob(fd: fd, path: path, statePath: statePath, size: size, done: kept)
    }

    /// Reserves the blob's space: `posix_fallocate`, falling back to
    /// extending the file where the file system cannot allocate.
    private static func preallocate(_ fd: Int32, size: Int64, path: String) throws {
        guard size > 0 else { return }
        let code = posix_fallocate(fd, 0, off_t(size))
        if code == 0 { return }
        if code == EOPNOTSUPP || code == EINVAL {
            guard ftruncate(fd, off_t(size)) == 0 else { throw FileIO.error(path, needed: size) }
            return
        }
        throw FileIO.error(path, needed: size, code: code)
    }

    /// The ranges holding received bytes.
    var completed: ByteRanges { done.withLock { $0 } }

    /// The ranges still to fetch.
    var missing: [Range<Int64>] { done.withLock { $0.complement(upTo: size) } }

    /// Records that `range` holds received bytes.
    func markDone(_ range: Range<Int64>) {
        done.withLock { $0.insert(range) }
    }

    /// Forgets every range (the file is being rewritten from byte 0).
    func clearDone() {
        done.withLock { $0 = ByteRanges() }
    }

    /// fsyncs the file, then records what was done before the fsync.
    func checkpoint() throws {
        let snapshot = completed
        try FileIO.fsync(fd, path: path)
        try PartState(size: size, completed: snapshot).save(to: statePath)
    }

    /// Throws away every byte and the sidecar, keeping the space reserved.
    func discard() throws {
        clearDone()
        unlink(statePath)
        guard ftruncate(fd, 0) == 0 else { throw FileIO.error(path) }
        try Self.preallocate(fd, size: size, path: path)
    }

    /// Removes the sidecar once the blob has its final name.
    func removeState() {
        unlink(statePath)
    }
}
