import Foundation

/// Writes a blob's bytes to a file while hashing them. It accepts a full
/// body (200: starts over from byte 0) or the rest from its current offset
/// (206 with a matching `Content-Range`), and refuses bytes past the
/// descriptor's size.
final class BlobSink: ResponseBodySink {
    let fd: Int32
    let path: String
    let digest: Digest
    let expectedSize: Int64
    private let progress: TransferProgress?
    private(set) var hasher = SHA256Hasher()
    /// Bytes in the file, all of them hashed.
    private(set) var offset: Int64 = 0

    /// Opens the sink on an open file whose first `offset` bytes were
    /// already hashed into `hasher`.
    init(fd: Int32, path: String, digest: Digest, expectedSize: Int64, offset: Int64, hasher: SHA256Hasher, progress: TransferProgress?) {
        self.fd = fd
        self.path = path
        self.digest = digest
        self.expectedSize = expectedSize
        self.offset = offset
        self.hasher = hasher
        self.progress = progress
    }

    func begin(status: Int, headers: HTTPHeaders) throws -> Bool {
        switch status {
        case 200:
            if offset > 0 { try restart() }
            return true
        case 206:
            guard let range = headers["Content-Range"].flatMap(ContentRange.init), range.start == offset else {
                throw ModelGetError.network(url: digest.description, reason: "server answered a range request with the wrong Content-Range")
            }
            return true
        default:
            return false
        }
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard offset + Int64(bytes.count) <= expectedSize else {
            throw ModelGetError.sizeMismatch(digest: digest.description, expected: expectedSize, actual: offset + Int64(bytes.count))
        }
        try FileIO.pwriteAll(fd, bytes, at: offset, path: path)
        hasher.update(bytes)
        offset += Int64(bytes.count)
        progress?.addTransferred(Int64(bytes.count))
    }

    /// Discards what the file holds and starts from byte 0.
    func restart() throws {
        guard ftruncate(fd, 0) == 0 else { throw FileIO.error(path) }
        progress?.discard(offset)
        offset = 0
        hasher = SHA256Hasher()
    }
}

/// A `Content-Range: bytes <start>-<end>/<total|*>` header.
struct ContentRange: Equatable {
    var start: Int64
    var end: Int64
    var total: Int64?

    init?(_ header: String) {
        let text = header.trimmingCharacters(in: .whitespaces)
        guard text.lowercased().hasPrefix("bytes ") else { return nil }
        let spec = text.dropFirst(6)
        let halves = spec.split(separator: "/", maxSplits: 1)
        let bounds = halves.first?.split(separator: "-", maxSplits: 1) ?? []
        guard halves.count == 2, bounds.count == 2, let start = Int64(bounds[0]), let end = Int64(bounds[1]), start <= end else {
            return nil
        }
        self.start = start
        self.end = end
        self.total = halves[1] == "*" ? nil : Int64(halves[1])
    }
}
