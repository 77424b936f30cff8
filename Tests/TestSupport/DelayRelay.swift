import Foundation
import Synchronization

/// A network path in user space, for kernels without `netem`: a TCP relay
/// on loopback in front of one server port whose bytes, each way, are
/// released `oneWayDelay` after they arrive (`DelayLine`), the first bytes
/// of a connection a round trip later still (the TCP handshake the local
/// kernel answered at once), with bounded buffering so senders feel
/// back-pressure, an optional cap per connection and an optional `LinkRate`
/// towards the clients shared with other relays of the same path. TLS
/// passes through untouched; the relay counts connections, TLS handshakes
/// and the ones that offered to resume a session.
///
/// Each connection runs two threads; `stop()` cuts them all, waits for
/// them and closes every socket, so nothing is left behind.
public final class DelayRelay: Sendable {
    /// How the path behaves.
    public struct Path: Sendable {
        /// Added to each direction: the round trip is twice this.
        public var oneWayDelay: TimeInterval
        /// Bytes per second towards the client, per connection (nil: no cap).
        public var connectionRate: Int64?
        /// The path's capacity towards the client, shared by every
        /// connection of every relay given the same one (nil: no cap).
        public var link: LinkRate?
        /// Bytes a direction of one connection holds at most.
        public var bufferBytes: Int

        public init(oneWayDelay: TimeInterval = 0, connectionRate: Int64? = nil, link: LinkRate? = nil,
                    bufferBytes: Int = 1 << 20) {
            self.oneWayDelay = oneWayDelay
            self.connectionRate = connectionRate
            self.link = link
            self.bufferBytes = bufferBytes
        }
    }

    /// What the relay has seen so far.
    public struct Counts: Sendable, Equatable {
        /// TCP connections accepted.
        public var connections = 0
        /// Connections that began with a TLS ClientHello.
        public var tlsHandshakes = 0
        /// Of those, the ones offering a session ticket or pre-shared key.
        public var resumptionOffers = 0
        /// Bytes written to clients.
        public var bytesToClients: Int64 = 0
        /// Connections still open.
        public var open = 0
    }

    private struct State {
        var counts = Counts()
        var sockets: Set<Int32> = []
        var stopped = false
    }

    /// The port it listens on (127.0.0.1).
    public let port: Int
    private let upstreamPort: Int
    private let path: Path
    private let listener: Int32
    private let state = Mutex(State())
    /// Entered by the accept loop and every connection's threads.
    private let threads = DispatchGroup()

    /// Relays 127.0.0.1:`port` to 127.0.0.1:`upstreamPort` over `path`.
    public init(upstreamPort: Int, path: Path) throws {
        let (listener, port) = try LoopbackSocket.listen(address: "127.0.0.1")
        self.listener = listener
        self.port = port
        self.upstreamPort = upstreamPort
        self.path = path
        threads.enter()
        Self.spawn { [self] in
            acceptLoop()
            threads.leave()
        }
    }

    deinit { stop() }

    /// The counts so far.
    public var counts: Counts { state.withLock { $0.counts } }

    /// Stops listening, cuts every connection and waits (up to 10 s) until
    /// every thread has ended and every socket is closed. Safe to call twice.
    public func stop() {
        let wasStopped = state.withLock { state in
            defer { state.stopped = true }
            for descriptor in state.sockets { shutdown(descriptor, Int32(SHUT_RDWR)) }
            return state.stopped
        }
        guard !wasStopped else { return }
        shutdown(listener, Int32(SHUT_RDWR))
        _ = threads.wait(timeout: .now() + 10)
        close(listener)
    }

    /// Seconds on the monotonic clock.
    static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }

    private static func spawn(_ body: @escaping @Sendable () -> Void) {
        let thread = Thread(block: body)
        thread.stackSize = 256 << 10
        thread.start()
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return
            }
            let accepted = Self.now()
            guard let upstream = try? LoopbackSocket.connect(address: "127.0.0.1", port: upstreamPort, timeout: 600) else {
                close(client)
                continue
            }
            let admitted = state.withLock { state -> Bool in
                guard !state.stopped else { return false }
                state.counts.connections += 1
                state.counts.open += 1
                state.sockets.formUnion([client, upstream])
                return true
            }
            guard admitted else {
                close(client)
                close(upstream)
                return
            }
            for descriptor in [client, upstream] { Self.limitBuffers(descriptor) }
            relay(client: client, upstream: upstream, accepted: accepted)
        }
    }

    private func relay(client: Int32, upstream: Int32, accepted: Double) {
        let delay = path.oneWayDelay
        var toClientRates: [LinkRate] = []
        if let rate = path.connectionRate { toClientRates.append(LinkRate(bytesPerSecond: rate)) }
        if let link = path.link { toClientRates.append(link) }
        let requests = DelayLine(from: client, to: upstream, delay: delay, holdUntil: accepted + 2 * delay, rates: [],
                                 bound: path.bufferBytes, firstBytes: { [self] in noteFirst($0) }, sent: { _ in })
        let responses = DelayLine(from: upstream, to: client, delay: delay, holdUntil: 0, rates: toClientRates,
                                  bound: path.bufferBytes, sent: { [self] count in
                                      state.withLock { $0.counts.bytesToClients += Int64(count) }
                                  })
        let pair = DispatchGroup()
        for line in [requests, responses] {
            pair.enter()
            threads.enter()
            Self.spawn { [self] in
                line.run()
                pair.leave()
                threads.leave()
            }
        }
        threads.enter()
        pair.notify(queue: .global()) { [self] in
            state.withLock { state in
                state.sockets.subtract([client, upstream])
                state.counts.open -= 1
            }
            close(client)
            close(upstream)
            threads.leave()
        }
    }

    private func noteFirst(_ bytes: [UInt8]) {
        guard let hello = TLSClientHello(bytes) else { return }
        state.withLock { state in
            state.counts.tlsHandshakes += 1
            if hello.offersResumption { state.counts.resumptionOffers += 1 }
        }
    }

    /// Small kernel buffers, so what waits between the two ends is mostly
    /// the line's own bounded queue; no Nagle delay on paced writes.
    private static func limitBuffers(_ descriptor: Int32) {
        LoopbackSocket.noDelay(descriptor)
        var size: Int32 = 256 << 10
        setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        var timeout = timeval()
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }
}
