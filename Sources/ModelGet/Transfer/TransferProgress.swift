import Synchronization

/// Counters a transfer updates as it goes and a progress display reads.
/// Byte counts may go down when a transfer restarts from zero.
public final class TransferProgress: Sendable {
    private let _totalBytes = Atomic<Int64>(0)
    private let _completedBytes = Atomic<Int64>(0)
    private let _totalBlobs = Atomic<Int>(0)
    private let _completedBlobs = Atomic<Int>(0)
    private let _transferredBytes = Atomic<Int64>(0)
    private let _requestsInFlight = Atomic<Int>(0)
    private let _peakRequestsInFlight = Atomic<Int>(0)

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

    public func addTotal(bytes: Int64, blobs: Int) {
        _totalBytes.add(bytes, ordering: .relaxed)
        _totalBlobs.add(blobs, ordering: .relaxed)
    }

    /// Takes back bytes that were counted but then thrown away.
    public func discard(_ bytes: Int64) {
        _completedBytes.add(-bytes, ordering: .relaxed)
    }

    /// Counts bytes that arrived (or were sent).
    public func addTransferred(_ bytes: Int64) {
        _completedBytes.add(bytes, ordering: .relaxed)
        _transferredBytes.add(bytes, ordering: .relaxed)
    }

    /// Counts bytes that were already in place (kept from a partial file, or present).
    public func addPresent(_ bytes: Int64) {
        _completedBytes.add(bytes, ordering: .relaxed)
    }

    /// Counts a blob that is done.
    public func blobDone() {
        _completedBlobs.add(1, ordering: .relaxed)
    }
}
