import Foundation

/// Carries a layer download into the unpacker without a copy on disk: the
/// transfer writes into a pipe (blocking while the unpacker is behind, so
/// memory stays bounded), the unpacker reads the other end on a thread of
/// its own. When the unpacker stops early it closes its end, and the
/// transfer fails with a broken pipe instead of waiting forever. A
/// transfer cut short is continued by another response: a 206 from
/// `delivered` on, or a 200 whose first `delivered` bytes are dropped.
final class LayerPipe: ResumableSink, @unchecked Sendable {
    /// The end the unpacker reads; closed by `closeReader`.
    let reader: Int32
    private let writer: Int32
    private let progress: TransferProgress
    /// True once a write found the reader gone.
    private(set) var readerGone = false
    /// True once the unpacker stopped reading.
    var consumerGone: Bool { readerGone }
    /// Bytes passed to the unpacker so far, over every response.
    private(set) var delivered: Int64 = 0
    /// Bytes of the current response still to drop (a 200 that resent the start).
    private var skip: Int64 = 0

    /// Carried under the operation's rate limit (`--limit-rate`), if any.
    let delivery: BodyDelivery

    init(progress: TransferProgress, rateLimiter: RateLimiter? = nil) throws {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw FileIO.error("pipe") }
        _ = fcntl(ends[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(ends[1], F_SETFD, FD_CLOEXEC)
        reader = ends[0]
        writer = ends[1]
        self.progress = progress
        delivery = BodyDelivery(rateLimiter: rateLimiter)
    }

    func begin(status: Int, headers: HTTPHeaders) throws -> Bool {
        skip = status == 206 ? 0 : delivered
        return status == 200 || status == 206
    }

    func write(_ whole: UnsafeRawBufferPointer) throws {
        let dropped = Int(min(skip, Int64(whole.count)))
        skip -= Int64(dropped)
        let bytes = UnsafeRawBufferPointer(rebasing: whole[dropped...])
        var offset = 0
        while offset < bytes.count {
            let count = Foundation.write(writer, bytes.baseAddress! + offset, bytes.count - offset)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                readerGone = true
                throw ModelGetError.cancelled
            }
            offset += count
        }
        delivered += Int64(bytes.count)
        progress.addTransferred(Int64(bytes.count))
    }

    /// Ends the stream: the unpacker then sees the end of the layer.
    func closeWriter() { close(writer) }

    /// Closes the unpacker's end once it is done, whatever the outcome.
    func closeReader() { close(reader) }
}

/// Runs blocking work on a thread of its own, so that neither the
/// cooperative pool nor the transfer engine waits on it.
func onOwnThread<T: Sendable>(_ name: String, _ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.name = name
        thread.start()
    }
}
