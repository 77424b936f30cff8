import Foundation

/// Receives one byte range of a blob (a `PartClaim`) into its place in
/// the partial file (positioned writes) and feeds the blob's
/// `PrefixHasher`. It accepts `206` whose `Content-Range` starts where the
/// claim does; a `200` (the server ignored `Range`) only when
/// `acceptsWholeBody`, in which case the whole blob is rewritten from byte
/// 0 as a single stream. When another connection took the rest of its
/// claim, it stops the response at the new end.
final class PartSink: ResponseBodySink {
    let claim: PartClaim
    private let blob: PartialBlob
    private let hasher: PrefixHasher
    private let progress: TransferProgress?
    private let budget: FetchBudget
    private let digest: Digest
    private let acceptsWholeBody: Bool
    let delivery: BodyDelivery

    /// Bytes received and written by this response.
    private(set) var written: Int64 = 0
    /// True when the server sent the whole blob (200) instead of the range.
    private(set) var receivedWholeBody = false

    init(claim: PartClaim, blob: PartialBlob, hasher: PrefixHasher, digest: Digest, budget: FetchBudget,
         progress: TransferProgress?, acceptsWholeBody: Bool, delivery: BodyDelivery) {
        self.claim = claim
        self.blob = blob
        self.hasher = hasher
        self.digest = digest
        self.budget = budget
        self.progress = progress
        self.acceptsWholeBody = acceptsWholeBody
        self.delivery = delivery
    }

    /// Thrown to end a response whose remaining bytes another connection took.
    struct Shortened: Error {}

    func begin(status: Int, headers: HTTPHeaders) throws -> Bool {
        let range = claim.remaining
        switch status {
        case 200:
            guard acceptsWholeBody || range == 0..<blob.size else {
                throw ModelGetError.network(url: digest.description, reason: "server ignored Range on a parallel part")
            }
            if range.lowerBound > 0 || blob.completed.count > 0 {
                progress?.discard(blob.completed.count)
                blob.clearDone()
                hasher.reset()
            }
            claim.restart(0..<blob.size)
            receivedWholeBody = true
            return true
        case 206:
            guard let answer = headers["Content-Range"].flatMap(ContentRange.init), answer.start == range.lowerBound,
                  answer.total == nil || answer.total == blob.size else {
                throw ModelGetError.network(url: digest.description, reason: "server answered a range request with the wrong Content-Range")
            }
            return true
        default:
            return false
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard budget.spend(Int64(bytes.count)) else {
            throw ModelGetError.fetchBudgetExceeded(digest: digest.description, fetched: budget.fetched, size: blob.size)
        }
        let (offset, count) = claim.reserve(Int64(bytes.count))
        if count > 0 {
            let kept = UnsafeRawBufferPointer(rebasing: bytes[..<Int(count)])
            try FileIO.pwriteAll(blob.fd, kept, at: offset, path: blob.path)
            hasher.didWrite(kept, at: offset)
            blob.markDone(offset..<(offset + count))
            written += count
            progress?.addTransferred(count)
        }
        if count < Int64(bytes.count) {
            guard claim.wasShortened else {
                throw ModelGetError.sizeMismatch(digest: digest.description, expected: blob.size, actual: offset + Int64(bytes.count))
            }
            throw Shortened()
        }
    }
}
