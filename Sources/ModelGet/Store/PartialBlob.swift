import Foundation
import Synchronization

/// A blob's partial file, preallocated to the blob's size (from
/// `preallocationMinimum` up), and the ranges
/// of it that hold received bytes. Ranges are recorded as bytes are written;
/// `checkpoint` writes them to the sidecar, and `durableCheckpoint` fsyncs
/// the file first and records them as durable too (see `PartState`).
/// A sidecar exists only beside a partial file that holds bytes: every
/// path that empties the file removes the sidecar first.
final class PartialBlob: Sendable {
    let fd: Int32
    let path: String
    let statePath: String
    let size: Int64
    private let done: Mutex<ByteRanges>
    private let durable: Mutex<ByteRanges>
    /// Whether the sidecar may exist (so removing it is worth a syscall:
    /// most small blobs never have one).
    private let hasSidecar: Mutex<Bool>

    private init(fd: Int32, path: String, statePath: String, size: Int64, done: ByteRanges, hasSidecar: Bool) {
        self.fd = fd
        self.path = path
        self.statePath = statePath
        self.size = size
        self.done = Mutex(done)
        self.durable = Mutex(ByteRanges())
        self.hasSidecar = Mutex(hasSidecar)
    }

    /// Opens the partial file locked as `fd`, whose sidecar the caller read
    /// as `state`: keeps the ranges it records when the sidecar and file
    /// agree on the size, else starts empty (`wasEmpty`: the file was
    /// empty when locked, and nothing wrote to it since). A blob of
    /// `preallocationMinimum` or more is preallocated so a full disk shows
    /// up now, not after minutes of downloading.
    static func open(fd: Int32, path: String, statePath: String, state: PartState?, size: Int64,
                     wasEmpty: Bool) throws -> PartialBlob {
        var kept = ByteRanges()
        var keptSidecar = false
        if let state, state.size == size, FileIO.size(path) == size, let ranges = state.ranges {
            kept = ranges
            keptSidecar = true
        } else if state != nil || !wasEmpty {
            if state != nil { unlink(statePath) }
            guard ftruncate(fd, 0) == 0 else { throw FileIO.error(path) }
        }
        try preallocate(fd, size: size, path: path)
        return PartialBlob(fd: fd, path: path, statePath: statePath, size: size, done: kept, hasSidecar: keptSidecar)
    }

    /// The smallest blob whose space is reserved before its bytes arrive.
    /// A smaller one is written in moments, so reserving gains nothing and
    /// costs a syscall per blob (on tmpfs, zeroing every page first); a
    /// full disk then shows up at its first write, with the same error.
    static let preallocationMinimum: Int64 = 4 << 20

    /// Reserves the blob's space: `posix_fallocate`, falling back to
    /// extending the file where the file system cannot allocate.
    private static func preallocate(_ fd: Int32, size: Int64, path: String) throws {
        guard size >= preallocationMinimum else { return }
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
        durable.withLock { $0 = ByteRanges() }
    }

    /// Records the written ranges without waiting for the disk: enough for
    /// a run after this process dies, while the machine stays up.
    func checkpoint() throws {
        hasSidecar.withLock { $0 = true }
        try PartState(size: size, completed: completed, durable: durable.withLock { $0 }).save(to: statePath, durable: false)
    }

    /// fsyncs the file, then records what was written before the fsync as
    /// durable: enough for a run after a power cut.
    func durableCheckpoint() throws {
        let snapshot = completed
        try FileIO.fsync(fd, path: path)
        durable.withLock { $0 = snapshot }
        hasSidecar.withLock { $0 = true }
        try PartState(size: size, completed: completed, durable: snapshot).save(to: statePath, durable: true)
    }

    /// Throws away every byte and the sidecar, keeping the space reserved.
    func discard() throws {
        clearDone()
        removeState()
        guard ftruncate(fd, 0) == 0 else { throw FileIO.error(path) }
        try Self.preallocate(fd, size: size, path: path)
    }

    /// Removes the sidecar once the blob has its final name.
    func removeState() {
        guard hasSidecar.withLock({ had in defer { had = false }; return had }) else { return }
        unlink(statePath)
    }
}
