import Foundation
import Synchronization

/// An HTTP/1.1 proxy on loopback in front of a real registry that cuts,
/// stalls, fails, corrupts, throttles and redirects blob downloads on
/// purpose, and counts the bytes it sends to the client. Each request is
/// forwarded on a fresh upstream connection and answered with
/// `Connection: close`.
public final class FaultProxy: Sendable {
    /// A request as the proxy (front or CDN side) received it.
    public struct Seen: Sendable {
        public let method: String
        public let path: String
        public let headers: TestHTTPHeaders
        public let onCDN: Bool
    }

    private struct State {
        var faults: Faults
        var blobGets = 0
        var blobResponses = 0
        var cdnRequests = 0
        var seen: [Seen] = []
        var bytesSent: Int64 = 0
        var connections: Set<Int32> = []
        var stopped = false
    }

    /// `127.0.0.1:PORT`, the host a reference names.
    public var host: String { "127.0.0.1:\(port)" }
    public let port: Int
    /// The CDN side's port on `127.0.0.2`.
    public let cdnPort: Int
    private let upstreamPort: Int
    private let listeners: [Int32]
    private let state: Mutex<State>

    /// Starts a proxy for the registry on `127.0.0.1:upstreamPort`.
    public init(upstreamPort: Int, faults: Faults = Faults()) throws {
        self.upstreamPort = upstreamPort
        state = Mutex(State(faults: faults))
        let front = try LoopbackSocket.listen(address: "127.0.0.1")
        let cdn = try LoopbackSocket.listen(address: "127.0.0.2")
        port = front.port
        cdnPort = cdn.port
        listeners = [front.descriptor, cdn.descriptor]
        for (descriptor, onCDN) in [(front.descriptor, false), (cdn.descriptor, true)] {
            Thread { [self] in acceptLoop(descriptor, onCDN: onCDN) }.start()
        }
    }

    deinit { stop() }

    /// Replaces the faults (counters keep running).
    public func setFaults(_ faults: Faults) { state.withLock { $0.faults = faults } }

    /// Bytes (heads and bodies) sent to clients so far.
    public var bytesSent: Int64 { state.withLock { $0.bytesSent } }

    /// Every request received, front and CDN side.
    public var requests: [Seen] { state.withLock { $0.seen } }

    /// Stops listening and closes open connections.
    public func stop() {
        let wasStopped = state.withLock { state in
            defer { state.stopped = true }
            for descriptor in state.connections { shutdown(descriptor, Int32(SHUT_RDWR)) }
            return state.stopped
        }
        guard !wasStopped else { return }
        for listener in listeners {
            shutdown(listener, Int32(SHUT_RDWR))
            close(listener)
        }
    }

    private func acceptLoop(_ listener: Int32, onCDN: Bool) {
        while true {
            let descriptor = accept(listener, nil, nil)
            if descriptor < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return
            }
            let open = state.withLock { state -> Bool in
                guard !state.stopped else { return false }
                state.connections.insert(descriptor)
                return true
            }
            guard open else { close(descriptor); return }
            Thread { [self] in
                serve(descriptor, onCDN: onCDN)
                state.withLock { _ = $0.connections.remove(descriptor) }
                close(descriptor)
            }.start()
        }
    }

    /// Serves one request and closes.
    private func serve(_ client: Int32, onCDN: Bool) {
        guard let request = try? ProxyRequest.read(from: client) else { return }
        let isBlobGet = request.method == "GET" && request.path.contains("/blobs/")
        let plan = state.withLock { state -> ResponsePlan in
            state.seen.append(Seen(method: request.method, path: request.path, headers: request.headers, onCDN: onCDN))
            return Self.plan(for: isBlobGet, onCDN: onCDN, cdnPort: cdnPort, request: request, state: &state)
        }
        if let canned = plan.canned {
            send(canned, to: client)
            return
        }
        forward(request, plan: plan, to: client)
    }

    /// Decides what to do with a request, consuming the fault counters.
    private static func plan(for isBlobGet: Bool, onCDN: Bool, cdnPort: Int, request: ProxyRequest, state: inout State) -> ResponsePlan {
        var plan = ResponsePlan()
        let faults = state.faults
        if onCDN {
            state.cdnRequests += 1
            if faults.cdnForbiddenRequests.contains(state.cdnRequests) {
                plan.canned = ProxyRequest.errorResponse(403, code: "DENIED", message: "signature expired", retryAfter: nil)
                return plan
            }
            plan.authorization = faults.cdnUpstreamAuthorization
        }
        guard isBlobGet else { return plan }
        if faults.redirectBlobsToCDN && !onCDN {
            plan.canned = "HTTP/1.1 307 Temporary Redirect\r\nLocation: http://127.0.0.2:\(cdnPort)\(request.target)\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            return plan
        }
        state.blobGets += 1
        if state.blobGets <= faults.failStatuses.count {
            plan.canned = ProxyRequest.errorResponse(faults.failStatuses[state.blobGets - 1], code: "INJECTED",
                                                     message: "injected by the fault proxy", retryAfter: faults.retryAfter)
            return plan
        }
        state.blobResponses += 1
        let n = state.blobResponses
        plan.dropRange = faults.ignoreRange
        plan.cutAfter = n <= faults.cutResponses ? faults.cutAfterBytes : nil
        if n <= faults.stallResponses, let at = faults.stallAfterBytes { plan.stall = (at, faults.stallSeconds) }
        plan.flipAt = n <= faults.flipResponses ? faults.flipByteAt : nil
        plan.bytesPerSecond = faults.bytesPerSecond
        if let start = faults.slowRangeStart, request.headers["Range"]?.hasPrefix("bytes=\(start)-") == true {
            plan.bytesPerSecond = faults.slowBytesPerSecond
        }
        return plan
    }

    private func send(_ text: String, to client: Int32) {
        let data = Data(text.utf8)
        if (try? LoopbackSocket.sendAll(data, to: client)) != nil { count(data.count) }
    }

    private func count(_ bytes: Int) { state.withLock { $0.bytesSent += Int64(bytes) } }

    /// Forwards to the registry and streams the answer back, faults applied.
    private func forward(_ request: ProxyRequest, plan: ResponsePlan, to client: Int32) {
        guard let upstream = try? LoopbackSocket.connect(address: "127.0.0.1", port: upstreamPort, timeout: 30) else { return }
        defer { close(upstream) }
        guard (try? LoopbackSocket.sendAll(request.upstreamHead(dropRange: plan.dropRange, authorization: plan.authorization), to: upstream)) != nil,
              let (head, firstBody) = try? ProxyRequest.readHead(from: upstream) else { return }
        guard (try? LoopbackSocket.sendAll(head, to: client)) != nil else { return }
        count(head.count)
        var body = firstBody
        var sent: Int64 = 0
        var stalled = false
        let started = Date()
        while true {
            if body.isEmpty {
                guard let chunk = try? LoopbackSocket.receive(from: upstream), !chunk.isEmpty else { return }
                body = chunk
            }
            var piece = body.prefix(min(64 << 10, Int(max(1, (plan.bytesPerSecond ?? Int64.max / 20) / 20))))
            if let cut = plan.cutAfter { piece = piece.prefix(Int(max(0, cut - sent))) }
            if let (at, _) = plan.stall, !stalled, at >= sent { piece = piece.prefix(Int(max(0, at - sent))) }
            if let flip = plan.flipAt, flip >= sent, flip < sent + Int64(piece.count) {
                let index = piece.startIndex + Int(flip - sent)
                piece[index] ^= 0xFF
            }
            if !piece.isEmpty {
                guard (try? LoopbackSocket.sendAll(Data(piece), to: client)) != nil else { return }
                count(piece.count)
                sent += Int64(piece.count)
                body = body.dropFirst(piece.count)
            }
            if let cut = plan.cutAfter, sent >= cut { return }
            if let (at, seconds) = plan.stall, !stalled, sent >= at {
                stalled = true
                // Silent until the time is up or the proxy stops.
                let until = Date().addingTimeInterval(seconds)
                while Date() < until, !state.withLock({ $0.stopped }) { Thread.sleep(forTimeInterval: 0.05) }
            }
            if let rate = plan.bytesPerSecond, rate > 0 {
                let due = started.addingTimeInterval(Double(sent) / Double(rate))
                let wait = due.timeIntervalSinceNow
                if wait > 0 { Thread.sleep(forTimeInterval: wait) }
            }
        }
    }
}

/// What the proxy does with one request.
struct ResponsePlan {
    /// A whole response to send instead of forwarding.
    var canned: String?
    var dropRange = false
    var authorization: String?
    var cutAfter: Int64?
    var stall: (at: Int64, seconds: TimeInterval)?
    var flipAt: Int64?
    var bytesPerSecond: Int64?
}
