import Synchronization

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
