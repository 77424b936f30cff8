import Foundation

/// Receives one byte range of a blob (a `PartClaim`) into the store's
/// `BlobWriter` at its place (which hashes and records it). It accepts
/// `206` whose `Content-Range` starts where the claim does; a `200` (the
/// server ignored `Range`) only when `acceptsWholeBody`, in which case the
/// whole blob is rewritten from byte 0 as a single stream. When another connection took the rest of its
/// claim, it stops the response at the new end; when another request of a hedged claim wrote bytes
/// first, it drops its copies of them.
final class PartSink: ResponseBodySink {
    let claim: PartClaim
    private let writer: BlobWriter
    private let progress: TransferProgress?
    private let budget: FetchBudget
    private var digest: Digest { writer.digest }
    private let acceptsWholeBody: Bool
    let delivery: BodyDelivery

    /// Bytes received and written by this response.
    private(set) var written: Int64 = 0
    /// The blob offset of the next byte this response delivers.
    private var position: Int64
    /// True when the server sent the whole blob (200) instead of the range.
    private(set) var receivedWholeBody = false
    /// When the body's first byte arrived (its status accepted), and its last so far.
    private(set) var firstByte: ContinuousClock.Instant?
    private(set) var lastByte: ContinuousClock.Instant?

    init(claim: PartClaim, writer: BlobWriter, budget: FetchBudget,
         progress: TransferProgress?, acceptsWholeBody: Bool, delivery: BodyDelivery) {
        self.claim = claim
        self.writer = writer
        self.budget = budget
        self.progress = progress
        self.acceptsWholeBody = acceptsWholeBody
        self.delivery = delivery
        position = claim.remaining.lowerBound
    }

    /// Thrown to end a response whose remaining bytes another connection took.
    struct Shortened: Error {}

    func begin(status: Int, headers: HTTPHeaders) throws -> Bool {
        let range = claim.remaining
        switch status {
        case 200:
            guard acceptsWholeBody || range == 0..<writer.size else {
                throw ModelGetError.network(url: digest.description, reason: "server ignored Range on a parallel part")
            }
            let kept = writer.completed.count
            if range.lowerBound > 0 || kept > 0 {
                progress?.discard(kept)
                writer.restart()
            }
            claim.restart(0..<writer.size)
            position = 0
            receivedWholeBody = true
            firstByte = .now
            return true
        case 206:
            guard let answer = headers["Content-Range"].flatMap(ContentRange.init), answer.start == position,
                  answer.total == nil || answer.total == writer.size else {
                throw ModelGetError.network(url: digest.description, reason: "server answered a range request with the wrong Content-Range")
            }
            firstByte = .now
            return true
        default:
            return false
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard budget.spend(Int64(bytes.count)) else {
            throw ModelGetError.fetchBudgetExceeded(digest: digest.description, fetched: budget.fetched, size: writer.size)
        }
        let (offset, count, skip) = claim.reserve(Int64(bytes.count), from: position)
        position += Int64(bytes.count)
        if count > 0 {
            let kept = UnsafeRawBufferPointer(rebasing: bytes[Int(skip)..<Int(skip + count)])
            try writer.write(kept, at: offset)
            written += count
            lastByte = .now
            progress?.addTransferred(count)
        }
        if skip + count < Int64(bytes.count) {
            guard claim.wasShortened || claim.isHedged else {
                throw ModelGetError.sizeMismatch(digest: digest.description, expected: writer.size, actual: position)
            }
            throw Shortened()
        }
    }
}
