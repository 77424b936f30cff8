import Foundation
import Synchronization

/// A pass-through TCP proxy on loopback: bytes go through untouched (TLS
/// included), each connection's downstream rate optionally capped, as one
/// TCP stream over a long path is. Counts the connections it accepted,
/// so a test can see how many a client opened.
public final class TCPRelay: Sendable {
    /// How the relay shapes traffic towards the client.
    public struct Shaping: Sendable {
        /// Cap each connection's bytes per second towards the client (nil: no cap).
        public var bytesPerSecond: Int64?
        /// Connections (counted from 1) capped at `slowBytesPerSecond` instead.
        public var slowConnections: Set<Int> = []
        public var slowBytesPerSecond: Int64 = 1024
        /// Cap each connection's bytes per second from the client (uploads; nil: no cap).
        public var uploadBytesPerSecond: Int64?
        /// Keep socket buffers small even when nothing is capped, so that the
        /// bytes the relay counts are close to the bytes the client read.
        public var smallBuffers = false

        public init(bytesPerSecond: Int64? = nil, uploadBytesPerSecond: Int64? = nil) {
            self.bytesPerSecond = bytesPerSecond
            self.uploadBytesPerSecond = uploadBytesPerSecond
        }
    }

    private struct State {
        var accepted = 0
        var open: Set<Int32> = []
        var bytesToClients: Int64 = 0
        var bytesFromClients: Int64 = 0
        var stopped = false
    }

    /// The port it listens on (127.0.0.1).
    public let port: Int
    private let upstreamPort: Int
    private let shaping: Mutex<Shaping>
    private let listener: Int32
    private let state = Mutex(State())

    /// Relays 127.0.0.1:`port` to 127.0.0.1:`upstreamPort`.
    public init(upstreamPort: Int, shaping: Shaping = Shaping()) throws {
        let (listener, port) = try LoopbackSocket.listen(address: "127.0.0.1")
        self.listener = listener
        self.port = port
        self.upstreamPort = upstreamPort
        self.shaping = Mutex(shaping)
        Thread { [self] in acceptLoop() }.start()
    }

    deinit { stop() }

    /// `127.0.0.1:PORT`, as a registry reference's host.
    public var host: String { "127.0.0.1:\(port)" }

    /// Connections accepted so far.
    public var connectionsAccepted: Int { state.withLock { $0.accepted } }

    /// Bytes sent to clients so far.
    public var bytesToClients: Int64 { state.withLock { $0.bytesToClients } }

    /// Bytes clients sent (requests and uploads) so far.
    public var bytesFromClients: Int64 { state.withLock { $0.bytesFromClients } }

    /// Shapes the connections accepted from now on (open ones keep theirs).
    public func reshape(_ shaping: Shaping) {
        self.shaping.withLock { $0 = shaping }
    }

    /// Stops listening and cuts every open connection. Safe to call twice.
    public func stop() {
        let wasStopped = state.withLock { state in
            defer { state.stopped = true }
            for descriptor in state.open { shutdown(descriptor, Int32(SHUT_RDWR)) }
            return state.stopped
        }
        guard !wasStopped else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return
            }
            let shaping = shaping.withLock { $0 }
            // A paced relay keeps little in flight from the server, so what
            // the server sent before it died or froze is what the client gets.
            let small = shaping.bytesPerSecond != nil || shaping.smallBuffers
            let buffer: Int32? = small ? 128 << 10 : nil
            guard let upstream = try? LoopbackSocket.connect(address: "127.0.0.1", port: upstreamPort, timeout: 600,
                                                             receiveBuffer: buffer) else {
                close(client)
                continue
            }
            // Paced small writes must not wait for the peer's delayed ACK (Nagle).
            for descriptor in [client, upstream] { LoopbackSocket.noDelay(descriptor) }
            let number = state.withLock { state -> Int? in
                guard !state.stopped else { return nil }
                state.accepted += 1
                state.open.formUnion([client, upstream])
                return state.accepted
            }
            if shaping.smallBuffers {
                var size: Int32 = 128 << 10
                setsockopt(client, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
            }
            guard let number else {
                close(client)
                close(upstream)
                return
            }
            let rate = shaping.slowConnections.contains(number) ? shaping.slowBytesPerSecond : shaping.bytesPerSecond
            let pumps = DispatchGroup()
            for (from, to, limit, towardsClient) in [(client, upstream, shaping.uploadBytesPerSecond, false), (upstream, client, rate, true)] {
                pumps.enter()
                Thread { [self] in
                    pump(from: from, to: to, bytesPerSecond: limit, towardsClient: towardsClient)
                    pumps.leave()
                }.start()
            }
            pumps.notify(queue: .global()) { [self] in
                state.withLock { _ = $0.open.subtract([client, upstream]) }
                close(client)
                close(upstream)
            }
        }
    }

    /// Copies one direction until either side closes, then closes the
    /// other side's write half so the peer sees the end too.
    private func pump(from: Int32, to: Int32, bytesPerSecond: Int64?, towardsClient: Bool) {
        // Capped: 16 KiB at a time (or a millisecond's worth, if less), so a
        // short body is paced as a real throttle paces it, not sent in one burst.
        let chunk = bytesPerSecond.map { Int(max(1, min(16 << 10, $0 / 1000))) } ?? 256 << 10
        // A bucket that saves no more than half a chunk's credit while the
        // connection is idle (a handshake, a request's round trip), as a
        // bottleneck link would: no burst after a pause.
        let rate = bytesPerSecond.map { LinkRate(bytesPerSecond: $0, slack: min(0.001, Double(chunk) / Double($0) / 2)) }
        while let data = try? LoopbackSocket.receive(from: from, limit: chunk), !data.isEmpty {
            if let rate {
                let wait = rate.book(data.count, earliest: DelayRelay.now()) - DelayRelay.now()
                if wait > 0 { Thread.sleep(forTimeInterval: wait) }
            }
            guard (try? LoopbackSocket.sendAll(data, to: to)) != nil else { break }
            state.withLock { state in
                if towardsClient { state.bytesToClients += Int64(data.count) } else { state.bytesFromClients += Int64(data.count) }
            }
        }
        shutdown(to, Int32(SHUT_WR))
        shutdown(from, Int32(SHUT_RD))
    }
}
