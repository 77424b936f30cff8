import Foundation

/// One direction of a `DelayRelay` connection: reads what one socket
/// receives and writes it to the other once `delay` has passed since it
/// arrived (never before `holdUntil`, which stands for the TCP handshake's
/// round trip), no faster than its rates allow. At most `bound` bytes wait
/// in the line: beyond that it stops reading, so the kernel's buffers fill
/// and the sender feels back-pressure, as behind a real bottleneck. Runs
/// on a thread of its own until either side closes; only that thread
/// touches its queue.
final class DelayLine: @unchecked Sendable {
    private struct Chunk {
        let bytes: [UInt8]
        var offset = 0
        /// When it has crossed the path (arrival + delay).
        let due: Double
        /// When its rates let its next piece go, once booked (at `due` or later).
        var sendAt: Double?
        /// Where that piece ends.
        var pieceEnd = 0
    }

    private let from: Int32
    private let to: Int32
    private let delay: Double
    private let holdUntil: Double
    private let rates: [LinkRate]
    private let bound: Int
    /// Sees the first bytes (a ClientHello or a request), once.
    private let firstBytes: (@Sendable ([UInt8]) -> Void)?
    /// Counts every byte written to `to`.
    private let sent: @Sendable (Int) -> Void
    private var queue: [Chunk] = []
    private var head = 0
    private var queued = 0

    static let readSize = 64 << 10
    static let pieceSize = 16 << 10

    init(from: Int32, to: Int32, delay: Double, holdUntil: Double, rates: [LinkRate], bound: Int,
         firstBytes: (@Sendable ([UInt8]) -> Void)? = nil, sent: @escaping @Sendable (Int) -> Void) {
        self.from = from
        self.to = to
        self.delay = delay
        self.holdUntil = holdUntil
        self.rates = rates
        self.bound = max(bound, Self.readSize)
        self.firstBytes = firstBytes
        self.sent = sent
    }

    /// Moves bytes until `from` reaches its end and everything queued has
    /// left, or either side fails; then closes `to`'s write half.
    func run() {
        var buffer = [UInt8](repeating: 0, count: Self.readSize)
        var ended = false
        var seenFirst = false
        while true {
            let now = DelayRelay.now()
            guard let waitingOnWrite = release(now: now) else { break }
            if ended && head == queue.count { break }
            var fds: [pollfd] = []
            if !ended && queued < bound { fds.append(pollfd(fd: from, events: Int16(POLLIN), revents: 0)) }
            if waitingOnWrite { fds.append(pollfd(fd: to, events: Int16(POLLOUT), revents: 0)) }
            var timeout: Int32 = -1
            if !waitingOnWrite, head < queue.count {
                let at = queue[head].sendAt ?? queue[head].due
                timeout = Int32(max(0, ((at - now) * 1000).rounded(.up)))
            }
            if fds.isEmpty && timeout < 0 { break }
            let ready = poll(&fds, nfds_t(fds.count), timeout)
            if ready < 0 && errno != EINTR { break }
            guard ready > 0, !ended, queued < bound, fds[0].fd == from, fds[0].revents != 0 else { continue }
            let count = buffer.withUnsafeMutableBytes { recv(from, $0.baseAddress, Self.readSize, Int32(MSG_DONTWAIT)) }
            if count > 0 {
                let bytes = Array(buffer[0..<count])
                if !seenFirst {
                    seenFirst = true
                    firstBytes?(bytes)
                }
                queue.append(Chunk(bytes: bytes, due: max(DelayRelay.now(), holdUntil) + delay))
                queued += count
            } else if count == 0 || (errno != EAGAIN && errno != EINTR) {
                ended = true
            }
        }
        shutdown(to, Int32(SHUT_WR))
        shutdown(from, Int32(SHUT_RD))
    }

    /// Writes every chunk whose time has come; returns true when `to` is
    /// full (wait for it), false when nothing more is due, nil when `to` failed.
    private func release(now: Double) -> Bool? {
        while head < queue.count {
            guard queue[head].due <= now else { return false }
            if queue[head].sendAt == nil {
                // Capped lines send 16 KiB pieces, each booked on its own, so
                // a short body is paced as a real throttle paces it.
                let chunk = queue[head]
                let end = rates.isEmpty ? chunk.bytes.count : min(chunk.bytes.count, chunk.offset + Self.pieceSize)
                queue[head].pieceEnd = end
                queue[head].sendAt = rates.reduce(now) { $1.book(end - chunk.offset, earliest: $0) }
            }
            guard queue[head].sendAt! <= now else { return false }
            let chunk = queue[head]
            let written = chunk.bytes.withUnsafeBytes {
                send(to, $0.baseAddress! + chunk.offset, chunk.pieceEnd - chunk.offset, Int32(MSG_NOSIGNAL | MSG_DONTWAIT))
            }
            if written < 0 {
                if errno == EAGAIN || errno == EINTR { return true }
                return nil
            }
            sent(written)
            queued -= written
            queue[head].offset += written
            guard queue[head].offset == chunk.pieceEnd else { return true }
            guard queue[head].offset == chunk.bytes.count else {
                queue[head].sendAt = nil
                continue
            }
            head += 1
            if head > 64 && head * 2 > queue.count {
                queue.removeFirst(head)
                head = 0
            }
        }
        return false
    }
}
