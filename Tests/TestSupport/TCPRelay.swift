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

        public init(bytesPerSecond: Int64? = nil) {
            self.bytesPerSecond = bytesPerSecond
        }
    }

    private struct State {
        var accepted = 0
        var open: Set<Int32> = []
        var bytesToClients: Int64 = 0
        var stopped = false
    }

    /// The port it listens on (127.0.0.1).
    public let port: Int
    private let upstreamPort: Int
    private let shaping: Shaping
    private let listener: Int32
    private let state = Mutex(State())

    /// Relays 127.0.0.1:`port` to 127.0.0.1:`upstreamPort`.
    public init(upstreamPort: Int, shaping: Shaping = Shaping()) throws {
        let (listener, port) = try LoopbackSocket.listen(address: "127.0.0.1")
        self.listener = listener
        self.port = port
        self.upstreamPort = upstreamPort
        self.shaping = shaping
        Thread { [self] in acceptLoop() }.start()
    }

    deinit { stop() }

    /// Connections accepted so far.
    public var connectionsAccepted: Int { state.withLock { $0.accepted } }

    /// Bytes sent to clients so far.
    public var bytesToClients: Int64 { state.withLock { $0.bytesToClients } }

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
            guard let upstream = try? LoopbackSocket.connect(address: "127.0.0.1", port: upstreamPort, timeout: 600) else {
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
            guard let number else {
                close(client)
                close(upstream)
                return
            }
            let rate = shaping.slowConnections.contains(number) ? shaping.slowBytesPerSecond : shaping.bytesPerSecond
            let pumps = DispatchGroup()
            for (from, to, limit, counted) in [(client, upstream, nil, false), (upstream, client, rate, true)] {
                pumps.enter()
                Thread { [self] in
                    pump(from: from, to: to, bytesPerSecond: limit, counted: counted)
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
    private func pump(from: Int32, to: Int32, bytesPerSecond: Int64?, counted: Bool) {
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
            if counted { state.withLock { $0.bytesToClients += Int64(data.count) } }
        }
        shutdown(to, Int32(SHUT_WR))
        shutdown(from, Int32(SHUT_RD))
    }
}
