import Foundation
import ModelGet
import Synchronization
import TestSupport

/// A loopback HTTP proxy in front of a registry that records every
/// request (method, target, body) on its way through, so tests can count
/// what a push really sent without trusting the pusher's own numbers.
/// `refuse` may answer a request itself (503) instead of forwarding it, to
/// cut an upload between two requests. Absolute `Location`s pointing at
/// the registry are rewritten to absolute paths, so the client keeps
/// talking through the proxy (and resolves relative upload URLs).
final class CountingProxy: Sendable {
    let server: LoopbackHTTPServer
    private let refusal = RefusalRule()

    init(upstream: String) throws {
        let refusal = refusal
        let forwarder = Forwarder(upstream: upstream)
        server = try LoopbackHTTPServer { request in
            if refusal.rule.withLock({ $0 })(request) {
                return TestHTTPResponse(status: 503, body: Data("cut by the test proxy".utf8))
            }
            return forwarder.forward(request)
        }
    }

    /// `127.0.0.1:PORT`.
    var host: String { "127.0.0.1:\(server.port)" }

    /// Every request that reached the proxy, in order (refused ones too).
    var requests: [TestHTTPRequest] { server.requests }

    /// Requests for blob uploads (`/blobs/uploads/`), in order.
    var uploadRequests: [TestHTTPRequest] { requests.filter { $0.path.contains("/blobs/uploads/") } }

    /// Request-body bytes of every `PATCH` and `PUT` to an upload session.
    var uploadedBodyBytes: Int {
        uploadRequests.filter { $0.method == "PATCH" || $0.method == "PUT" }.reduce(0) { $0 + $1.body.count }
    }

    /// Answers requests for which `rule` is true with 503 instead of forwarding them.
    func refuse(when rule: @escaping @Sendable (TestHTTPRequest) -> Bool) {
        refusal.rule.withLock { $0 = rule }
    }
}

/// The proxy's current refusal rule, shared with its request handler.
private final class RefusalRule: Sendable {
    let rule = Mutex<@Sendable (TestHTTPRequest) -> Bool>({ _ in false })
}

/// Sends one proxied request upstream with its own libcurl engine.
struct Forwarder: Sendable {
    let upstream: String
    let engine = CurlEngine()

    func forward(_ request: TestHTTPRequest) -> TestHTTPResponse {
        forward(method: request.method, target: request.target, headers: request.headers, body: request.body)
    }

    /// Forwards a request made of these parts (a front may change them on the way).
    func forward(method name: String, target: String, headers fields: TestHTTPHeaders, body data: Data) -> TestHTTPResponse {
        guard let method = HTTPRequest.Method(rawValue: name),
              let url = URL(string: "http://\(upstream)\(target)") else { return TestHTTPResponse(status: 400) }
        var headers = HTTPHeaders()
        for (name, value) in fields where !["host", "content-length", "connection", "expect"].contains(name.lowercased()) {
            headers.add(name, value)
        }
        let body: HTTPRequest.Body? = [.put, .patch, .post].contains(method) ? .data(data) : nil
        let outgoing = HTTPRequest(method: method, url: url, headers: headers, body: body, maximumBodySize: 1 << 30)
        let result = Mutex<Result<HTTPResponse, Error>?>(nil)
        let done = DispatchSemaphore(value: 0)
        let engine = engine
        Task {
            let answer = await Result(catching: { try await engine.send(outgoing) })
            result.withLock { $0 = answer }
            done.signal()
        }
        done.wait()
        guard case let .success(response)? = result.withLock({ $0 }) else { return TestHTTPResponse(status: 502) }
        var back = TestHTTPHeaders()
        for (name, value) in response.headers {
            switch name.lowercased() {
            case "connection", "transfer-encoding":
                continue
            case "content-length" where method != .head:
                continue
            case "location":
                back.add(name, value.replacingOccurrences(of: "http://\(upstream)", with: ""))
            default:
                back.add(name, value)
            }
        }
        return TestHTTPResponse(status: response.status, headers: back, body: response.body)
    }
}

extension Result where Failure == Error {
    init(catching body: () async throws -> Success) async {
        do { self = .success(try await body()) } catch { self = .failure(error) }
    }
}
