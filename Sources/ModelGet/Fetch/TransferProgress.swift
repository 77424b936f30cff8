import Synchronization

/// Counters a transfer updates as it goes and a progress display reads
/// (`snapshot()`), with the operation's phase, a status line other parts
/// may set, and the state of each big blob. Byte counts may go down when a
/// transfer restarts from zero.
public final class TransferProgress: Sendable {
    private let _totalBytes = Atomic<Int64>(0)
    private let _completedBytes = Atomic<Int64>(0)
    private let _totalBlobs = Atomic<Int>(0)
    private let _completedBlobs = Atomic<Int>(0)
    private let _transferredBytes = Atomic<Int64>(0)
    private let _requestsInFlight = Atomic<Int>(0)
    private let _peakRequestsInFlight = Atomic<Int>(0)
    private let _keptBytes = Atomic<Int64>(0)
    private let stages = Mutex(Stages())

    /// What is not a plain counter: phase, status, big blobs, waits.
    private struct Stages {
        var phase = ProgressPhase.resolving
        var status: String?
        var blobs: [BlobProgress] = []
        /// How to read a big blob's bytes while it downloads.
        var readers: [String: @Sendable () -> Int64] = [:]
        var waiting: [String] = []
    }

    public init() {}

    /// Bytes of every blob the operation covers.
    public var totalBytes: Int64 { _totalBytes.load(ordering: .relaxed) }
    /// Bytes in place so far (including blobs that were already present).
    public var completedBytes: Int64 { _completedBytes.load(ordering: .relaxed) }
    /// Blobs the operation covers.
    public var totalBlobs: Int { _totalBlobs.load(ordering: .relaxed) }
    /// Blobs in place so far.
    public var completedBlobs: Int { _completedBlobs.load(ordering: .relaxed) }
    /// Bytes that actually crossed the network.
    public var transferredBytes: Int64 { _transferredBytes.load(ordering: .relaxed) }

    /// Blob requests (whole blobs and ranged parts) running now: the
    /// connections in use for blob bytes.
    public var requestsInFlight: Int { _requestsInFlight.load(ordering: .relaxed) }
    /// The most blob requests that ran at once.
    public var peakRequestsInFlight: Int { _peakRequestsInFlight.load(ordering: .relaxed) }

    /// Counts a blob request while `body` runs it.
    func inFlight<T>(_ body: () async throws -> T) async rethrows -> T {
        let now = _requestsInFlight.add(1, ordering: .relaxed).newValue
        _peakRequestsInFlight.max(now, ordering: .relaxed)
        defer { _requestsInFlight.subtract(1, ordering: .relaxed) }
        return try await body()
    }

    /// Adds blobs to cover; the first call ends the `resolving` phase
    /// (the manifest is known).
    package func addTotal(bytes: Int64, blobs: Int) {
        _totalBytes.add(bytes, ordering: .relaxed)
        _totalBlobs.add(blobs, ordering: .relaxed)
        if stages.withLock({ $0.phase }) == .resolving { phase = .transferring }
    }

    /// The operation's stage (operations set it as they go).
    public var phase: ProgressPhase {
        get { stages.withLock { $0.phase } }
        set {
            let changed = stages.withLock { stages in
                defer { stages.phase = newValue }
                return stages.phase != newValue
            }
            if changed { Diagnostics.verbose(newValue.rawValue) }
        }
    }

    /// A line for the display while something waits (`retrying: registry
    /// unreachable for 12 s`); nil clears it.
    public var status: String? {
        get { stages.withLock { $0.status } }
        set { stages.withLock { $0.status = newValue } }
    }

    /// Everything a display draws, read at once.
    public func snapshot() -> ProgressSnapshot {
        var snapshot = ProgressSnapshot()
        let (phase, status, blobs, readers, waiting) = stages.withLock { ($0.phase, $0.status, $0.blobs, $0.readers, $0.waiting) }
        snapshot.phase = phase
        snapshot.status = status
        snapshot.blobs = blobs.map { blob in
            var blob = blob
            if let read = readers[blob.digest] { blob.completed = min(read(), blob.size) }
            return blob
        }
        snapshot.waitingFor = waiting
        snapshot.totalBytes = totalBytes
        snapshot.completedBytes = completedBytes
        snapshot.transferredBytes = transferredBytes
        snapshot.keptBytes = _keptBytes.load(ordering: .relaxed)
        snapshot.totalBlobs = totalBlobs
        snapshot.completedBlobs = completedBlobs
        snapshot.connections = requestsInFlight
        return snapshot
    }

    /// Gives `digest` a line of its own (a big blob), queued.
    func track(_ digest: Digest, size: Int64) {
        stages.withLock { $0.blobs.append(BlobProgress(digest: digest.description, size: size)) }
    }

    /// Moves a tracked blob to `state`; `completed` reads its bytes while
    /// it transfers (set when it starts, dropped once verified).
    func update(_ digest: Digest, _ state: BlobProgress.State, completed: (@Sendable () -> Int64)? = nil) {
        let key = digest.description
        stages.withLock { stages in
            guard let index = stages.blobs.firstIndex(where: { $0.digest == key }) else { return }
            if let completed { stages.readers[key] = completed }
            if state.isVerified {
                stages.readers[key] = nil
                stages.blobs[index].completed = stages.blobs[index].size
            }
            stages.blobs[index].state = state
        }
    }

    /// Marks `digest` as being downloaded by another process (`true`) or no longer (`false`).
    func waiting(for digest: Digest, _ isWaiting: Bool) {
        let key = digest.description
        stages.withLock { stages in
            stages.waiting.removeAll { $0 == key }
            if isWaiting { stages.waiting.append(key) }
        }
        update(digest, isWaiting ? .waiting : .queued)
    }

    /// Counts bytes a resumed download found in a partial file of an
    /// earlier run (in place, like `addPresent`, and reported as resumed).
    func addKept(_ bytes: Int64) {
        _completedBytes.add(bytes, ordering: .relaxed)
        _keptBytes.add(bytes, ordering: .relaxed)
    }

    /// Takes back bytes that were counted but then thrown away.
    package func discard(_ bytes: Int64) {
        _completedBytes.add(-bytes, ordering: .relaxed)
    }

    /// Counts bytes that arrived (or were sent).
    package func addTransferred(_ bytes: Int64) {
        _completedBytes.add(bytes, ordering: .relaxed)
        _transferredBytes.add(bytes, ordering: .relaxed)
    }

    /// Counts bytes that were already in place (kept from a partial file, or present).
    package func addPresent(_ bytes: Int64) {
        _completedBytes.add(bytes, ordering: .relaxed)
    }

    /// Counts a blob that is done: verified (it may still wait for its name).
    package func blobDone() {
        _completedBlobs.add(1, ordering: .relaxed)
    }
}
