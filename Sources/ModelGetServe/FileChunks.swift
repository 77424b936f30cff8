import Foundation
import Hummingbird
import NIOCore

/// A file range streamed in 1 MiB reads on the thread pool: the body for
/// blobs when `sendfile` cannot be used (TLS). Never more than one chunk
/// per response in memory.
enum FileChunks {
    static let chunkSize = 1 << 20

    static func body(path: String, range: Range<Int64>) -> ResponseBody {
        ResponseBody(contentLength: range.count) { writer in
            let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
            guard fd >= 0 else { throw IOError(errnoCode: errno, reason: "open \(path)") }
            defer { close(fd) }
            var offset = range.lowerBound
            while offset < range.upperBound {
                let wanted = Int(min(Int64(chunkSize), range.upperBound - offset))
                let start = offset
                let buffer = try await BlockingWork.run { () throws -> ByteBuffer in
                    var buffer = ByteBufferAllocator().buffer(capacity: wanted)
                    let read = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: wanted) { pointer in
                        max(0, pread(fd, pointer.baseAddress, wanted, off_t(start)))
                    }
                    guard read > 0 else { throw IOError(errnoCode: EIO, reason: "\(path) ended early") }
                    return buffer
                }
                offset += Int64(buffer.readableBytes)
                try await writer.write(buffer)
            }
            try await writer.finish(nil)
        }
    }
}
