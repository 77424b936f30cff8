import Foundation
import ModelGet
import NIOCore

/// A big blob body that `FileRegionSender` copies out in `pread` chunks
/// on the event loop instead of handing the file to `sendfile`, for a
/// client on the same machine: there (loopback, measured in
/// bench/README.md) the receiver's copy out of `sendfile`'s page-cache
/// fragments was the bottleneck of one fast stream, while a copy through
/// the socket's own buffers splits the work between sender and receiver. At most `inFlightLimit` chunks are queued per response,
/// so memory stays at a few MiB per big download.
final class CopiedFileBody {
    /// Bytes per `pread` and socket write.
    static let chunkSize = 1 << 20
    /// Chunks written but not yet sent, at most.
    static let inFlightLimit = 2
    /// Bodies this long and longer are copied; shorter ones go by `sendfile`.
    static let minimumLength: Int64 = 4 << 20

    let key: UInt64
    private let blob: StoredBlob
    private(set) var offset: Int64
    let end: Int64
    var inFlight = 0
    /// Bytes of the chunks the channel has written.
    var sent: Int64 = 0

    /// `length` bytes of `blob` from `offset`; the body owns the handle
    /// from here and closes it.
    init(key: UInt64, blob: StoredBlob, offset: Int64, length: Int64) {
        self.key = key
        self.blob = blob
        self.offset = offset
        self.end = offset + length
        posix_fadvise(blob.fd, off_t(offset), off_t(length), POSIX_FADV_SEQUENTIAL)
    }

    /// Every byte has been read.
    var allRead: Bool { offset >= end }

    /// The next chunk, read at the current offset.
    func nextChunk(allocator: ByteBufferAllocator) throws -> ByteBuffer {
        let wanted = Int(min(Int64(Self.chunkSize), end - offset))
        var buffer = allocator.buffer(capacity: wanted)
        let start = offset
        try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: wanted) { pointer in
            try blob.read(into: UnsafeMutableRawBufferPointer(rebasing: pointer[0..<wanted]), at: start)
            return wanted
        }
        offset += Int64(wanted)
        return buffer
    }

    func close() {
        blob.close()
    }
}
