import Foundation
import Hummingbird
import ModelGet
import NIOCore

/// A range of a stored blob streamed in 1 MiB reads on the thread pool:
/// the body for blobs when `sendfile` cannot be used (TLS). Never more
/// than one chunk per response in memory.
enum FileChunks {
    static let chunkSize = 1 << 20

    /// The body of `range` of `blob`, which it closes once written (or
    /// cut short).
    static func body(_ blob: StoredBlob, range: Range<Int64>) -> ResponseBody {
        ResponseBody(contentLength: range.count) { writer in
            defer { blob.close() }
            var offset = range.lowerBound
            while offset < range.upperBound {
                let wanted = Int(min(Int64(chunkSize), range.upperBound - offset))
                let start = offset
                let buffer = try await BlockingWork.run { () throws -> ByteBuffer in
                    var buffer = ByteBufferAllocator().buffer(capacity: wanted)
                    try buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: wanted) { pointer in
                        try blob.read(into: UnsafeMutableRawBufferPointer(rebasing: pointer[0..<wanted]), at: start)
                        return wanted
                    }
                    return buffer
                }
                offset += Int64(buffer.readableBytes)
                try await writer.write(buffer)
            }
            try await writer.finish(nil)
        }
    }
}
