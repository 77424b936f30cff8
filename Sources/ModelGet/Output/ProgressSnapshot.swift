/// What an operation that moves blobs is doing at one moment, as the
/// library reports it (`TransferProgress.snapshot()`) and a display draws
/// it (`ProgressView`). A plain value, so drawing is a pure function of it.
public struct ProgressSnapshot: Sendable, Equatable {
    /// The operation's stage.
    public var phase: ProgressPhase = .resolving
    /// A line another part feeds while it waits on something (for example
    /// `retrying: registry unreachable for 12 s`); shown instead of the phase.
    public var status: String?
    /// Bytes of every blob the operation covers.
    public var totalBytes: Int64 = 0
    /// Bytes in place: kept from an earlier run, present, or arrived.
    public var completedBytes: Int64 = 0
    /// Bytes that crossed the network in this run.
    public var transferredBytes: Int64 = 0
    /// Bytes a resumed download found already here (partial files kept
    /// from an earlier run).
    public var keptBytes: Int64 = 0
    /// Blobs the operation covers.
    public var totalBlobs = 0
    /// Blobs verified (counted as each one's hash matches).
    public var completedBlobs = 0
    /// Blob requests running now.
    public var connections = 0
    /// The big blobs (those fetched as parts), each drawn on a line of its own.
    public var blobs: [BlobProgress] = []
    /// Digests of blobs another modelget process is downloading now; this
    /// one waits for it instead of fetching them twice.
    public var waitingFor: [String] = []

    public init() {}

    /// The blobs not drawn on a line of their own (small, or present).
    public var smallBlobs: (total: Int, done: Int, totalBytes: Int64, completedBytes: Int64) {
        let bigDone = blobs.filter { $0.state.isVerified }.count
        return (totalBlobs - blobs.count, completedBlobs - bigDone,
                totalBytes - blobs.reduce(0) { $0 + $1.size }, completedBytes - blobs.reduce(0) { $0 + $1.completed })
    }
}

/// The stage an operation is in, in the order a pull goes through them.
public enum ProgressPhase: String, Sendable, Equatable {
    /// Resolving the name to a manifest: nothing to count yet.
    case resolving
    /// Moving blob bytes.
    case transferring
    /// Every byte is here; the last blobs are being hashed.
    case verifying
    /// Verified blobs are being written out to disk (fsync, syncfs).
    case syncing = "syncing to disk"
    /// Every blob is in place; the manifest is being written.
    case writingManifest = "writing manifest"
    /// Finished.
    case done
}

/// One big blob's progress.
public struct BlobProgress: Sendable, Equatable {
    /// Where a blob is.
    public enum State: String, Sendable, Equatable {
        /// Not started: waiting for a free request slot.
        case queued
        /// Another modelget process is downloading it; this one waits.
        case waiting = "waiting for another modelget"
        /// Its bytes are arriving.
        case transferring
        /// Every byte is here and the rest of it is being hashed.
        case verifying
        /// Verified; being written out to disk.
        case syncing = "syncing to disk"
        /// In place under its final name.
        case done

        /// True once the blob's hash matched.
        public var isVerified: Bool { self == .syncing || self == .done }
    }

    public var digest: String
    public var size: Int64
    /// Bytes in its partial file so far (kept ones included).
    public var completed: Int64
    public var state: State

    public init(digest: String, size: Int64, completed: Int64 = 0, state: State = .queued) {
        self.digest = digest
        self.size = size
        self.completed = completed
        self.state = state
    }
}
