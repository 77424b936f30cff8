import HTTPTypes
import HummingbirdCore
import NIOCore
import Synchronization

/// Passes a streamed body (manifests, TLS blob chunks) to the real writer
/// and counts the bytes it took, so a response cut short is logged and
/// counted with what was written, not as nothing.
struct CountingBodyWriter: ResponseBodyWriter {
    /// Bytes written so far, read once the body ends or fails.
    final class Count: Sendable {
        private let bytes = Atomic<Int64>(0)
        var value: Int64 { bytes.load(ordering: .relaxed) }
        func add(_ count: Int) { bytes.add(Int64(count), ordering: .relaxed) }
    }

    var base: any ResponseBodyWriter
    let count = Count()

    mutating func write(_ buffer: ByteBuffer) async throws {
        let size = buffer.readableBytes
        try await base.write(buffer)
        count.add(size)
    }

    consuming func finish(_ trailingHeaders: HTTPFields?) async throws {
        try await base.finish(trailingHeaders)
    }
}
