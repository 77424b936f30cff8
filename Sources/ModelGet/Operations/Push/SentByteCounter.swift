import Foundation
import Synchronization

/// Counts the request-body bytes of one attempt as curl sends them, and
/// the bytes a resumed session already held.
final class SentByteCounter: UploadProgressObserver, Sendable {
    private let sent = Atomic<Int64>(0)
    private let held = Atomic<Int64>(0)
    private let adopted = Atomic<Int64>(0)
    private let progress: TransferProgress
    let rateLimiter: RateLimiter?

    init(progress: TransferProgress, rateLimiter: RateLimiter?) {
        self.progress = progress
        self.rateLimiter = rateLimiter
    }

    var count: Int64 { sent.load(ordering: .relaxed) }

    /// Takes over the bytes another counter of this blob's attempt sent
    /// (a part the registry kept), so a failed attempt discards them too.
    func adopt(_ other: SentByteCounter) {
        sent.add(other.count, ordering: .relaxed)
        adopted.add(other.count, ordering: .relaxed)
    }

    /// Bytes of parts the registry kept (adopted), this attempt.
    var kept: Int64 { adopted.load(ordering: .relaxed) }
    var resumed: Int64 { held.load(ordering: .relaxed) }

    /// Counts the bytes a resumed session holds as done (not sent).
    func resume(from offset: Int64) {
        held.add(offset, ordering: .relaxed)
        progress.addPresent(offset)
    }

    func didSend(_ byteCount: Int) {
        sent.add(Int64(byteCount), ordering: .relaxed)
        progress.addTransferred(Int64(byteCount))
    }
}
