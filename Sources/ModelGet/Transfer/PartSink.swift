import Foundation

/// Receives one byte range of a blob into its place in the partial file
/// (positioned writes) and feeds the blob's `PrefixHasher`. It accepts
/// `206` whose `Content-Range` starts where the range does; a `200` (the
/// server ignored `Range`) only when `acceptsWholeBody`, in which case the
/// whole blob is rewritten from byte 0 as a single stream.
final class PartSink: ResponseBodySink {
    let range: Range<Int64>
    private let blob: PartialBlob
    private let hasher: PrefixHasher
    private let progress: TransferProgress?
    private let digest: Digest
    private let acceptsWholeBody: Bool

    /// Where the bytes of this response start (the range's start, or 0 for a whole body).
    private(set) var start: Int64
    /// Bytes received and written from `start` on.
    private(set) var written: Int64 = 0
    /// True when the server sent the whole blob (200) instead of the range.
    private(set) var receivedWholeBody = false

    init(range: Range<Int64>, blob: PartialBlob, hasher: PrefixHasher, digest: Digest,
         progress: TransferProgress?, acceptsWholeBody: Bool) {
        self.range = range
        self.blob = blob
        self.hasher = hasher
        self.digest = digest
        self.progress = progress
        self.acceptsWholeBody = acceptsWholeBody
        self.start = range.lowerBound
    }

    /// The end of what this response may write.
    private var limit: Int64 { receivedWholeBody ? blob.size : range.upperBound }

    /// True when every byte the response owed has arrived.
    var isComplete: Bool { start + written == limit }

    func begin(status: Int, headers: HTTPHeaders) throws -> Bool {
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
            receivedWholeBody = true
            start = 0
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
        let offset = start + written
        guard offset + Int64(bytes.count) <= limit else {
            throw ModelGetError.sizeMismatch(digest: digest.description, expected: blob.size, actual: offset + Int64(bytes.count))
        }
        try FileIO.pwriteAll(blob.fd, bytes, at: offset, path: blob.path)
        hasher.didWrite(bytes, at: offset)
        blob.markDone(offset..<(offset + Int64(bytes.count)))
        written += Int64(bytes.count)
        progress?.addTransferred(Int64(bytes.count))
    }
}
