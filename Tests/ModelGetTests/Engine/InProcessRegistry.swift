import Foundation
@testable import ModelGet
import Synchronization

/// A registry, its token service and a CDN living behind the `HTTPClient`
/// seam, in this process: no socket, no registry process. It answers the
/// distribution API for one repository (Bearer auth, manifest, blobs
/// with `Range`), redirects blob GETs to `https://cdn.test/…` when asked,
/// and plays the faults a test queues for a blob on the requests that
/// would carry its bytes (the registry's, or the CDN's), in order. It
/// keeps the transport's contract as `CurlEngine` does: a body goes to the
/// sink only when `begin` takes it, an error the sink throws is what
/// `send` throws, and a transfer that stays silent for the request's
/// `stallTimeout` fails with the transport's stall error.
final class InProcessRegistry: HTTPClient {
    /// A request as the transport received it, and when.
    struct Seen: Sendable {
        let method: HTTPRequest.Method
        let url: URL
        let range: (lower: Int64, upper: Int64?)?
        let authorization: String?
        let stallTimeout: TimeInterval
        let at: ContinuousClock.Instant
        /// The fault this request got, if any.
        let fault: Fault?

        var onCDN: Bool { url.host == InProcessRegistry.cdnHost }
    }

    /// What a blob GET gets instead of its bytes.
    enum Fault: Sendable {
        /// This status (with `Retry-After` when given) and an error body.
        case status(Int, retryAfter: String? = nil)
        /// The first `bytes` of the body, then the connection drops.
        case cut(afterBytes: Int)
        /// The first `bytes` of the body, then silence: the transport cuts
        /// the transfer after the request's stall timeout.
        case stall(afterBytes: Int)
        /// The whole body, no faster than `bytesPerSecond` (a stubbed rate).
        case paced(bytesPerSecond: Int)
    }

    static let host = "registry.test"
    static let cdnHost = "cdn.test"
    static let token = "token-1"
    let repository = "team/tiny"
    let tag = "v1"

    private struct State {
        var seen: [Seen] = []
        var faults: [String: [Fault?]] = [:]
        var tokenRequests = 0
        /// Requests carrying each blob's bytes now, and the most at once.
        var carrying: [String: Int] = [:]
        var peakCarrying: [String: Int] = [:]
    }

    private let manifest: Data
    private let manifestType: String
    private let blobs: [String: Data]
    private let redirectsToCDN: Bool
    private let state = Mutex(State())

    /// Serves `manifest` (of `manifestType`) and `blobs` by digest.
    init(manifest: Data, manifestType: String, blobs: [String: Data], redirectsToCDN: Bool = false) {
        self.manifest = manifest
        self.manifestType = manifestType
        self.blobs = blobs
        self.redirectsToCDN = redirectsToCDN
    }

    /// Faults for the next requests that would carry `digest`'s bytes
    /// (nil: answer that one normally).
    func queueFaults(_ faults: [Fault?], for digest: String) { state.withLock { $0.faults[digest, default: []] += faults } }

    var requests: [Seen] { state.withLock { $0.seen } }
    var tokenRequests: Int { state.withLock { $0.tokenRequests } }

    /// The most requests that carried `digest`'s bytes at the same time.
    func peakRequestsCarrying(_ digest: String) -> Int { state.withLock { $0.peakCarrying[digest] ?? 0 } }

    /// GETs of `digest` on the registry and on the CDN.
    func blobRequests(_ digest: String) -> (registry: [Seen], cdn: [Seen]) {
        let hex = digest.replacingOccurrences(of: "sha256:", with: "")
        let all = requests.filter { $0.url.path.contains(hex) }
        return (all.filter { !$0.onCDN }, all.filter(\.onCDN))
    }

    /// A client for this registry whose transfers are cut after `stallTimeout` of silence.
    func client(stallTimeout: TimeInterval = 30, home: URL) throws -> RegistryClient {
        try RegistryClient(host: Self.host, scheme: "https", insecure: false, http: self,
                           credentials: CredentialStore(environment: ["DOCKER_CONFIG": home.path + "/none", "HOME": home.path]),
                           stallTimeout: stallTimeout)
    }

    func send(_ request: HTTPRequest, sink: ResponseBodySink?, uploadObserver: UploadProgressObserver?) async throws -> HTTPResponse {
        let authorization = request.headers["Authorization"]
        let path = request.url.path
        let prefix = "/v2/\(repository)/blobs/"
        let onCDN = request.url.host == Self.cdnHost
        let authorized = authorization == "Bearer \(Self.token)"
        // The blob whose bytes this request would carry, if any.
        var carried: String?
        if onCDN {
            carried = "sha256:" + request.url.lastPathComponent
        } else if authorized, path.hasPrefix(prefix), !redirectsToCDN {
            carried = String(path.dropFirst(prefix.count))
        }
        let fault = state.withLock { state -> Fault? in
            var fault: Fault?
            if let carried, var queued = state.faults[carried], !queued.isEmpty {
                fault = queued.removeFirst()
                state.faults[carried] = queued
            }
            state.seen.append(Seen(method: request.method, url: request.url, range: request.range, authorization: authorization,
                                   stallTimeout: request.stallTimeout, at: .now, fault: fault))
            if let carried {
                state.carrying[carried, default: 0] += 1
                state.peakCarrying[carried] = max(state.peakCarrying[carried] ?? 0, state.carrying[carried]!)
            }
            return fault
        }
        defer { if let carried { state.withLock { $0.carrying[carried, default: 1] -= 1 } } }
        if onCDN {
            guard let carried, let data = blobs[carried] else { return try answer(404, request: request, sink: sink) }
            return try await serve(data, fault: fault, request: request, sink: sink)
        }
        if path == "/token" {
            state.withLock { $0.tokenRequests += 1 }
            return try answer(200, body: Data("{\"token\": \"\(Self.token)\", \"expires_in\": 300}".utf8), request: request, sink: sink)
        }
        guard authorized else {
            let challenge = "Bearer realm=\"https://\(Self.host)/token\",service=\"\(Self.host)\""
            return try answer(401, headers: ["WWW-Authenticate": challenge], request: request, sink: sink)
        }
        if path == "/v2/\(repository)/manifests/\(tag)" {
            return try answer(200, headers: ["Content-Type": manifestType], body: manifest, request: request, sink: sink)
        }
        let digest = String(path.dropFirst(prefix.count))
        guard path.hasPrefix(prefix), let data = blobs[digest] else { return try answer(404, request: request, sink: sink) }
        if redirectsToCDN {
            let location = "https://\(Self.cdnHost)/blobs/\(digest.dropFirst("sha256:".count))?signature=1"
            return try answer(307, headers: ["Location": location], request: request, sink: sink)
        }
        return try await serve(data, fault: fault, request: request, sink: sink)
    }

    /// The blob's bytes (the asked range as a 206), or the fault.
    private func serve(_ data: Data, fault: Fault?, request: HTTPRequest, sink: ResponseBodySink?) async throws -> HTTPResponse {
        if case let .status(status, retryAfter) = fault {
            let body = Data("{\"errors\": [{\"code\": \"UNAVAILABLE\", \"message\": \"injected \(status)\"}]}".utf8)
            return try answer(status, headers: retryAfter.map { ["Retry-After": $0] } ?? [:], body: body, request: request, sink: sink)
        }
        var body = data
        var status = 200
        var headers: HTTPHeaders = ["Content-Type": "application/octet-stream"]
        if let range = request.range {
            let upper = min(range.upper ?? Int64(data.count - 1), Int64(data.count - 1))
            body = data.subdata(in: Int(range.lower)..<Int(upper + 1))
            status = 206
            headers.set("Content-Range", "bytes \(range.lower)-\(upper)/\(data.count)")
        }
        headers.set("Content-Length", String(body.count))
        switch fault {
        case let .cut(bytes):
            _ = try deliver(status, headers: headers, body: body.prefix(bytes), request: request, sink: sink)
            throw ModelGetError.network(url: request.url.redacted, reason: "connection reset by peer")
        case let .stall(bytes):
            _ = try deliver(status, headers: headers, body: body.prefix(bytes), request: request, sink: sink)
            // Silence; the transport gives up after the request's stall timeout.
            try await Task.sleep(for: .seconds(request.stallTimeout))
            throw ModelGetError.network(url: request.url.redacted, reason: "stalled: no data for \(Int(request.stallTimeout)) s")
        case let .paced(bytesPerSecond):
            guard let sink, try sink.begin(status: status, headers: headers) else {
                return HTTPResponse(status: status, headers: headers, body: body, url: request.url)
            }
            let started = ContinuousClock.now
            var offset = body.startIndex
            while offset < body.endIndex {
                let end = min(offset + (16 << 10), body.endIndex)
                try body[offset..<end].withUnsafeBytes { try sink.write($0) }
                offset = end
                try await Task.sleep(until: started + .seconds(Double(offset - body.startIndex) / Double(bytesPerSecond)))
            }
            return HTTPResponse(status: status, headers: headers, body: Data(), url: request.url)
        default:
            return try deliver(status, headers: headers, body: body, request: request, sink: sink)
        }
    }

    private func answer(_ status: Int, headers: HTTPHeaders = HTTPHeaders(), body: Data = Data(), request: HTTPRequest,
                        sink: ResponseBodySink?) throws -> HTTPResponse {
        try deliver(status, headers: headers, body: body, request: request, sink: sink)
    }

    /// Hands `body` to the sink when it takes it, in 64 KiB writes, else keeps it in the response.
    private func deliver(_ status: Int, headers: HTTPHeaders, body: Data, request: HTTPRequest, sink: ResponseBodySink?) throws -> HTTPResponse {
        guard let sink, try sink.begin(status: status, headers: headers) else {
            return HTTPResponse(status: status, headers: headers, body: body, url: request.url)
        }
        var offset = body.startIndex
        while offset < body.endIndex {
            let end = min(offset + (64 << 10), body.endIndex)
            try body[offset..<end].withUnsafeBytes { try sink.write($0) }
            offset = end
        }
        return HTTPResponse(status: status, headers: headers, body: Data(), url: request.url)
    }
}
