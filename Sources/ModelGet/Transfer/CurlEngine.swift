import CCurl
import Foundation
import Synchronization

/// The libcurl transport: one multi handle driven by one thread of its
/// own through libcurl's socket interface on epoll (`mg_event_loop`), so
/// each wake-up costs what the ready sockets need, not a poll of all 64.
/// Any thread may submit requests; only the engine thread touches curl
/// handles. Connections (and HTTP/2 streams) are reused across requests
/// through the multi handle's connection cache. The first request without
/// a body to an HTTPS origin (per kind of connection) goes alone until it
/// is answered, so the connections the others open resume its TLS session
/// instead of each making a full handshake at the same time. A few times a
/// second the engine sweeps its transfers for cancellation and stalls (curl
/// calls a transfer back only when its socket or timer fires, and a
/// stalled one has neither). `@usableFromInline`: it is the default
/// transport in public initializers' default arguments, not API.
@usableFromInline
package final class CurlEngine: HTTPClient, @unchecked Sendable {
    private let multi: OpaquePointer
    /// TLS sessions and DNS answers shared by every handle: a part's new
    /// connection resumes the TLS session of the one before it.
    private let share: OpaquePointer
    private let loop: OpaquePointer
    private let inbox = Mutex<[CurlTransfer]>([])
    private var active: [OpaquePointer: CurlTransfer] = [:]
    /// HTTPS origins (and connection kinds, `firstContactKey`) some transfer
    /// has had an answer from: the share holds their TLS session.
    private var answeredOrigins: Set<String> = []
    /// Those not answered yet: the first transfer to each, and the ones held until it is.
    private var firstContacts: [String: (leader: CurlTransfer, held: [CurlTransfer])] = [:]

    /// The process-wide engine.
    @usableFromInline package static let shared = CurlEngine()

    package init() {
        OpenSSLInit.once
        CurlEngine.globalInit
        multi = curl_multi_init()
        mg_multi_setopt_long(multi, CURLMOPT_PIPELINING, Int(CURLPIPE_MULTIPLEX))
        mg_multi_setopt_long(multi, CURLMOPT_MAXCONNECTS, 256)
        guard let loop = mg_event_loop_new(multi) else { fatalError("modelget: cannot create an epoll set: \(String(cString: strerror(errno)))") }
        self.loop = loop
        // Only the engine thread uses the share, so it needs no lock callbacks.
        share = curl_share_init()
        mg_share_setopt_long(share, CURLSHOPT_SHARE, Int(CURL_LOCK_DATA_SSL_SESSION.rawValue))
        mg_share_setopt_long(share, CURLSHOPT_SHARE, Int(CURL_LOCK_DATA_DNS.rawValue))
        let thread = Thread { [unowned self] in self.run() }
        thread.name = "modelget-curl"
        thread.stackSize = 1 << 20
        thread.start()
    }

    private static let globalInit: Void = {
        signal(SIGPIPE, SIG_IGN)
        curl_global_init(Int(CURL_GLOBAL_DEFAULT))
    }()

    @usableFromInline package func send(_ request: HTTPRequest, sink: ResponseBodySink?, uploadObserver: UploadProgressObserver?) async throws -> HTTPResponse {
        guard Diagnostics.wants(.debug) else { return try await perform(request, sink: sink, uploadObserver: uploadObserver) }
        Diagnostics.debug(HTTPTrace.requestLine(request))
        do {
            let response = try await perform(request, sink: sink, uploadObserver: uploadObserver)
            Diagnostics.debug(HTTPTrace.responseLine(response, method: request.method))
            return response
        } catch {
            Diagnostics.debug(HTTPTrace.failureLine(request, error))
            throw error
        }
    }

    /// Runs one request on the event loop's thread.
    private func perform(_ request: HTTPRequest, sink: ResponseBodySink?, uploadObserver: UploadProgressObserver?) async throws -> HTTPResponse {
        let holder = Mutex<CurlTransfer?>(nil)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                let transfer: CurlTransfer
                do {
                    transfer = try CurlTransfer(request: request, sink: sink, uploadObserver: uploadObserver) {
                        continuation.resume(with: $0)
                    }
                } catch {
                    continuation.resume(throwing: error)
                    return
                }
                holder.withLock { $0 = transfer }
                if Task.isCancelled { transfer.cancelled.set() }
                inbox.withLock { $0.append(transfer) }
                mg_event_loop_wakeup(loop)
            }
        } onCancel: {
            holder.withLock { $0?.cancelled.set() }
            mg_event_loop_wakeup(loop)
        }
    }

    private func run() {
        var lastSweep = ContinuousClock.now
        var paused = false
        while true {
            let incoming = inbox.withLock { queue -> [CurlTransfer] in
                defer { queue.removeAll(keepingCapacity: true) }
                return queue
            }
            for transfer in incoming { add(transfer) }

            // A transfer paused by the rate limit is looked at again soon.
            let woken = mg_event_loop_run_once(loop, paused ? 5 : active.isEmpty ? 1000 : Int32(Self.sweepInterval / .milliseconds(1))) != 0
            var message = mg_multi_message()
            while mg_multi_next_done(multi, &message) != 0 {
                guard let easy = message.easy, let transfer = active.removeValue(forKey: easy) else { continue }
                let result = message.result
                curl_multi_remove_handle(multi, easy)
                transfer.finish(result)
            }
            if !firstContacts.isEmpty { releaseAnsweredOrigins() }
            paused = false
            for (easy, transfer) in active where transfer.isPaused {
                if let error = transfer.resumeIfAllowed() {
                    active.removeValue(forKey: easy)
                    curl_multi_remove_handle(multi, easy)
                    transfer.fail(error)
                    continue
                }
                paused = paused || transfer.isPaused
            }
            let now = ContinuousClock.now
            if woken || now - lastSweep >= Self.sweepInterval {
                lastSweep = now
                sweep(now: now)
            }
        }
    }

    /// How often every transfer is checked for cancellation and stalls.
    private static let sweepInterval: Duration = .milliseconds(100)

    /// Ends the transfers that were cancelled or stalled (held ones only when cancelled).
    private func sweep(now: ContinuousClock.Instant) {
        for (easy, transfer) in active {
            guard let error = transfer.sweep(now: now) else { continue }
            active.removeValue(forKey: easy)
            curl_multi_remove_handle(multi, easy)
            transfer.fail(error)
        }
        for (origin, contact) in firstContacts where contact.held.contains(where: { $0.cancelled.isSet }) {
            firstContacts[origin]?.held = contact.held.filter { !$0.cancelled.isSet }
            contact.held.filter { $0.cancelled.isSet }.forEach { $0.fail(ModelGetError.cancelled) }
        }
    }

    private func add(_ transfer: CurlTransfer) {
        if let origin = Self.firstContactKey(transfer), !answeredOrigins.contains(origin) {
            if firstContacts[origin] != nil {
                firstContacts[origin]?.held.append(transfer)
                return
            }
            firstContacts[origin] = (transfer, [])
        }
        start(transfer)
    }

    private func start(_ transfer: CurlTransfer) {
        do {
            try transfer.configure(share: share)
        } catch {
            transfer.fail(error)
            return
        }
        active[transfer.easy] = transfer
        curl_multi_add_handle(multi, transfer.easy)
    }

    /// Starts the transfers held for an origin whose first transfer was
    /// answered (its TLS session is now in the share) or ended without an answer.
    private func releaseAnsweredOrigins() {
        for (origin, contact) in firstContacts {
            let ended = active[contact.leader.easy] !== contact.leader
            guard contact.leader.answered || ended else { continue }
            firstContacts.removeValue(forKey: origin)
            if contact.leader.answered { answeredOrigins.insert(origin) }
            contact.held.forEach(start)
        }
    }

    /// `https://host:port` and the kind of connection (own HTTP/1.1 or
    /// multiplexed) of an HTTPS transfer without a request body; nil for any
    /// other (an upload is answered only once its body is sent: it must not
    /// hold the others that long). Kinds are apart because libcurl did not
    /// resume, on HTTP/1.1 connections, a session an HTTP/2 one had made
    /// (measured).
    private static func firstContactKey(_ transfer: CurlTransfer) -> String? {
        let url = transfer.request.url
        guard url.scheme?.lowercased() == "https", transfer.request.body == nil else { return nil }
        return "https://" + url.hostAndPort + (transfer.sink?.delivery.ownsConnection(to: url) == true ? " h1" : " h2")
    }


    /// The CA file libcurl trusts by default (its build's `--with-ca-bundle`), if any.
    static let systemCAFile: String? = {
        guard let info = curl_version_info(CURLVERSION_NINTH), let path = info.pointee.cainfo else { return nil }
        return String(cString: path)
    }()

    /// True for an error that says the host never answered: its name did
    /// not resolve, it refused the connection, or connecting timed out.
    package static func isUnreachable(_ error: Error) -> Bool {
        guard case let ModelGetError.network(_, reason) = error else { return false }
        return reason == connectTimedOut || reason == couldNotResolve || reason.hasPrefix(couldNotConnect)
    }

    /// The reason of a connection attempt that timed out before TCP connected.
    static let connectTimedOut = "timed out connecting"

    /// How the reason of a refused or failed connect starts.
    static let couldNotConnect = "could not connect"
    /// The reason of a name that did not resolve.
    static let couldNotResolve = "could not resolve host"

    /// A one-line description of a curl result code for a request to
    /// `url`; `osError` is the `errno` of a failed connect (curl's
    /// `CURLINFO_OS_ERRNO`), which says why, with what a person can do.
    static func describe(_ code: CURLcode, url: URL, osError: Int32 = 0) -> String {
        switch code {
        case CURLE_COULDNT_CONNECT:
            let port = url.port ?? (url.scheme?.lowercased() == "http" ? 80 : 443)
            let target = "\(couldNotConnect) to \(url.host ?? "?"):\(port)"
            switch osError {
            case ECONNREFUSED: return "\(target): connection refused (is a registry running there?)"
            case ETIMEDOUT: return "\(target): timed out (a firewall, or the wrong address?)"
            case EHOSTUNREACH, ENETUNREACH: return "\(target): no route to the host (is the network up?)"
            case 0: return target
            default: return "\(target): \(String(cString: strerror(osError)))"
            }
        case CURLE_COULDNT_RESOLVE_HOST: return couldNotResolve
        case CURLE_OPERATION_TIMEDOUT: return "timed out"
        case CURLE_PARTIAL_FILE: return "connection closed before the whole body arrived"
        case CURLE_RECV_ERROR: return "connection broken while receiving"
        case CURLE_SEND_ERROR: return "connection broken while sending"
        case CURLE_GOT_NOTHING: return "server closed the connection without answering"
        case CURLE_SSL_CONNECT_ERROR: return "TLS handshake failed (a plain-HTTP registry needs --insecure)"
        default: return String(cString: curl_easy_strerror(code))
        }
    }
}
