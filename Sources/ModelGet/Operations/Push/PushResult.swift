import Synchronization

/// Options for a push or copy.
public struct PushOptions: Sendable {
    /// How blobs are moved: blobs uploaded (and, for a copy, fetched) at
    /// once, stalls, retries; a copy's downloads also follow its parts and rate.
    public var transfer: TransferOptions
    /// Blobs smaller than this go up in one `PUT`; larger ones in chunks.
    public var monolithicLimit: Int64
    /// The size of each `PATCH` of a chunked upload.
    public var chunkSize: Int64
    /// Another repository on the destination registry to mount blobs from.
    public var mountFrom: String?
    /// Part sizes of ollama's redirect uploads: a sixteenth of the blob,
    /// kept within these bounds (100 MB to 1000 MB, as server/upload.go).
    public var redirectPartSizes: ClosedRange<Int64> = 100_000_000...1_000_000_000

    /// The part size of a redirect upload of a `size`-byte blob.
    func redirectPartSize(for size: Int64) -> Int64 {
        min(max(size / 16, redirectPartSizes.lowerBound), redirectPartSizes.upperBound)
    }

    // 64 MiB both ways: one request per blob up to 64 MiB keeps the
    // per-blob cost of a many-small-blob model at POST + PUT, and
    // distribution streams a PUT body to storage so size costs no memory
    // there. Above it, chunks bound what an interruption loses (the session
    // survives between chunks; a chunk cut mid-way is resent) while 64 MiB
    // per request keeps the request overhead under 0.1 % even at 100 MB/s.
    public static let defaultPartSize: Int64 = 64 << 20

    public init(transfer: TransferOptions = TransferOptions(), monolithicLimit: Int64 = PushOptions.defaultPartSize,
                chunkSize: Int64 = PushOptions.defaultPartSize, mountFrom: String? = nil) {
        self.transfer = transfer
        self.monolithicLimit = monolithicLimit
        self.chunkSize = max(1, chunkSize)
        self.mountFrom = mountFrom
    }
}

/// What a finished push or copy did, blob by blob.
public struct PushResult: Sendable, Equatable {
    /// The destination, fully spelled out.
    public var reference: String
    /// The digest of the manifest put last.
    public var manifestDigest: String
    /// Blobs the manifest names, and their bytes.
    public var blobs: Int
    public var totalBytes: Int64
    /// Blobs the destination already held (`HEAD` answered 200).
    public var skipped: Int
    public var skippedBytes: Int64
    /// Blobs mounted from another repository of the same registry.
    public var mounted: Int
    public var mountedBytes: Int64
    /// Blobs uploaded, and their sizes.
    public var sent: Int
    public var sentBytes: Int64
    /// Request-body bytes that went over the network for blobs, retries
    /// included; less than `sentBytes` when a session was resumed.
    public var bytesTransferred: Int64
}

/// What happened to one blob.
enum BlobOutcome: Sendable {
    case skipped, mounted, sent
}

/// Counts outcomes from concurrent blob uploads.
final class PushTally: Sendable {
    private struct Counts {
        var skipped = 0, skippedBytes: Int64 = 0
        var mounted = 0, mountedBytes: Int64 = 0
        var sent = 0, sentBytes: Int64 = 0
    }
    private let counts = Mutex(Counts())

    func record(_ outcome: BlobOutcome, size: Int64) {
        counts.withLock { c in
            switch outcome {
            case .skipped: c.skipped += 1; c.skippedBytes += size
            case .mounted: c.mounted += 1; c.mountedBytes += size
            case .sent: c.sent += 1; c.sentBytes += size
            }
        }
    }

    func result(reference: String, manifestDigest: String, blobs: [Descriptor], transferred: Int64) -> PushResult {
        counts.withLock { c in
            PushResult(reference: reference, manifestDigest: manifestDigest, blobs: blobs.count,
                       totalBytes: blobs.reduce(0) { $0 + $1.size },
                       skipped: c.skipped, skippedBytes: c.skippedBytes, mounted: c.mounted, mountedBytes: c.mountedBytes,
                       sent: c.sent, sentBytes: c.sentBytes, bytesTransferred: transferred)
        }
    }
}
