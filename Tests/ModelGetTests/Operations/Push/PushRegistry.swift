import Foundation
@testable import ModelGet
import Synchronization

/// A registry with repositories, upload sessions and a token service,
/// living behind the `HTTPClient` seam in this process: the push side of
/// the distribution API as docker-registry answers it (`HEAD` blob,
/// `POST …/blobs/uploads/` with `?mount=&from=`, `PATCH` with
/// `Content-Range` checked against what the session holds, the session's
/// status `GET` with `Range: 0-N`, `PUT ?digest=` checked against the
/// bytes, manifest `PUT` refused while a blob it names is missing), plus
/// the manifest and blob `GET`s a pull needs. Auth is Basic, or Bearer
/// with the token's scopes checked per repository and action (a mount
/// also needs `pull` on its source). Every request is logged as its kind;
/// faults queued per kind replace the answer of the next requests of that
/// kind, in order.
final class PushRegistry: HTTPClient {
    /// Another host an upload session may be placed on (`uploadsElsewhere`).
    static let uploadHost = "uploads.test"

    /// How the registry asks to be authenticated.
    enum Auth: Sendable {
        case basic(user: String, password: String)
        case bearer
    }

    /// What a request is, as the registry routes it.
    enum Kind: String, Sendable {
        case ping, token, tags, manifestGet, manifestPut, blobHead, blobGet, start, mount, patch, status, finish
    }

    /// What a request of a kind gets instead of its answer.
    enum Fault: Sendable, Equatable {
        /// This status (with `Retry-After` when given) and an error body.
        case status(Int, retryAfter: String? = nil)
        /// The first `bytes` of a `PATCH` body reach the session, then the connection drops.
        case cut(afterBytes: Int)
        /// Every token expires just before this request, which is refused with a new challenge.
        case tokensExpire
    }

    /// A request as the registry received it.
    struct Seen: Sendable {
        let kind: Kind
        let method: HTTPRequest.Method
        let url: URL
        let headers: HTTPHeaders
        /// The body bytes that arrived.
        let bodyBytes: Int
        let fault: Fault?
        let at: ContinuousClock.Instant

        var authorization: String? { headers["Authorization"] }

        /// The query item `name`'s value.
        func query(_ name: String) -> String? {
            URLComponents(url: url, resolvingAgainstBaseURL: false)?.queryItems?.first { $0.name == name }?.value
        }

        /// "METHOD kind [Content-Range]", for whole-log assertions.
        var line: String { "\(method.rawValue) \(kind.rawValue)" + (headers["Content-Range"].map { " " + $0 } ?? "") }
    }

    private struct State {
        var blobs: [String: [String: Data]] = [:]
        var manifests: [String: [String: (data: Data, type: String)]] = [:]
        /// The bytes each open upload session holds, by its id.
        var sessions: [String: Data] = [:]
        var tokens: [String: [String]] = [:]
        var tokenScopes: [[String]] = []
        var faults: [Kind: [Fault?]] = [:]
        var seen: [Seen] = []
    }

    /// The registry's host (its token service's too).
    let host: String
    let auth: Auth
    /// Refuse every mount (answer a `202` session instead, as distribution does for a blob the source lacks).
    let refusesMounts: Bool
    /// Place upload sessions on `uploadHost` instead of the registry's own.
    let uploadsElsewhere: Bool
    private let state = Mutex(State())

    init(host: String = "registry.test", auth: Auth = .bearer, refusesMounts: Bool = false, uploadsElsewhere: Bool = false) {
        self.host = host
        self.auth = auth
        self.refusesMounts = refusesMounts
        self.uploadsElsewhere = uploadsElsewhere
    }

    /// Stores `blobs` (by digest) and `manifest` under `tag` in `repository`.
    func seed(_ repository: String, tag: String, manifest: Data, type: String, blobs: [String: Data]) {
        state.withLock { state in
            state.blobs[repository, default: [:]].merge(blobs) { old, _ in old }
            state.manifests[repository, default: [:]][tag] = (manifest, type)
            state.manifests[repository, default: [:]]["sha256:" + SHA256Hasher.hex(of: manifest)] = (manifest, type)
        }
    }

    /// Faults for the next requests of `kind` (nil: answer that one normally).
    func queueFaults(_ faults: [Fault?], for kind: Kind) { state.withLock { $0.faults[kind, default: []] += faults } }

    var requests: [Seen] { state.withLock { $0.seen } }
    /// The scopes each token request asked for, in order.
    var tokenScopes: [[String]] { state.withLock { $0.tokenScopes } }

    /// The blob `digest` as `repository` holds it.
    func blob(_ digest: String, in repository: String) -> Data? { state.withLock { $0.blobs[repository]?[digest] } }

    /// The manifest bytes and media type `repository` holds under `reference`.
    func manifest(_ reference: String, in repository: String) -> (data: Data, type: String)? {
        state.withLock { $0.manifests[repository]?[reference] }
    }

    /// A client for this registry with `environment`'s credentials and `retry`.
    func client(home: URL, environment: [String: String] = [:], retry: RetryPolicy = RetryPolicy()) throws -> RegistryClient {
        let base = ["DOCKER_CONFIG": home.path + "/none", "HOME": home.path]
        return try RegistryClient(host: host, scheme: "https", insecure: false, http: self,
                                  credentials: CredentialStore(environment: base.merging(environment) { $1 }), retry: retry)
    }

    func send(_ request: HTTPRequest, sink: ResponseBodySink?, uploadObserver: UploadProgressObserver?) async throws -> HTTPResponse {
        let route = Route(request.url, method: request.method)
        let fault = state.withLock { state -> Fault? in
            guard var queued = state.faults[route.kind], !queued.isEmpty else { return nil }
            let fault = queued.removeFirst()
            state.faults[route.kind] = queued
            return fault
        }
        var body = try Self.bytes(of: request.body)
        if case let .cut(afterBytes) = fault { body = body.prefix(afterBytes) }
        uploadObserver?.didSend(body.count)
        state.withLock {
            $0.seen.append(Seen(kind: route.kind, method: request.method, url: request.url, headers: request.headers, bodyBytes: body.count, fault: fault, at: .now))
        }
        if case let .status(status, retryAfter) = fault {
            return answer(status, headers: retryAfter.map { ["Retry-After": $0] } ?? [:], error: status < 500 ? "DENIED" : "UNAVAILABLE",
                          request: request)
        }
        if fault == .tokensExpire { state.withLock { $0.tokens = [:] } }
        if route.kind == .token { return token(request) }
        // A session on the upload host is its own credential (distribution signs its `_state`).
        if request.url.host != Self.uploadHost, let refusal = authorize(request, route: route) { return refusal }
        let response = route.answer(self, request: request, body: body)
        if case .cut = fault {
            throw ModelGetError.network(url: request.url.redacted, reason: "connection reset by peer")
        }
        return try deliver(response, to: sink)
    }

    // MARK: Auth

    private func token(_ request: HTTPRequest) -> HTTPResponse {
        let scopes = URLComponents(url: request.url, resolvingAgainstBaseURL: false)?.queryItems?
            .filter { $0.name == "scope" }.compactMap(\.value) ?? []
        let value = state.withLock { state -> String in
            state.tokenScopes.append(scopes)
            let value = "token-\(state.tokenScopes.count)"
            state.tokens[value] = scopes
            return value
        }
        return HTTPResponse(status: 200, headers: HTTPHeaders(), body: Data("{\"token\": \"\(value)\", \"expires_in\": 300}".utf8), url: request.url)
    }

    /// The 401 a request gets when its credentials do not cover it, else nil.
    private func authorize(_ request: HTTPRequest, route: Route) -> HTTPResponse? {
        let given = request.headers["Authorization"]
        switch auth {
        case let .basic(user, password):
            if given == "Basic " + Data("\(user):\(password)".utf8).base64EncodedString() { return nil }
            return answer(401, headers: ["WWW-Authenticate": "Basic realm=\"registry\""], error: "UNAUTHORIZED", request: request)
        case .bearer:
            let granted = given.flatMap { header in
                header.hasPrefix("Bearer ") ? state.withLock { $0.tokens[String(header.dropFirst(7))] } : nil
            }
            let needed = route.neededScopes
            if let granted, needed.allSatisfy({ Self.covers(granted, $0) }) { return nil }
            var challenge = "Bearer realm=\"https://\(host)/token\",service=\"\(host)\""
            if let first = needed.first { challenge += ",scope=\"\(first)\"" }
            return answer(401, headers: ["WWW-Authenticate": challenge], error: "UNAUTHORIZED", request: request)
        }
    }

    /// True when the `granted` scopes allow `needed` ("repository:r:pull").
    private static func covers(_ granted: [String], _ needed: String) -> Bool {
        let parts = needed.split(separator: ":")
        let prefix = parts.dropLast().joined(separator: ":")
        let action = String(parts.last ?? "")
        return granted.contains { scope in
            guard scope.hasPrefix(prefix + ":") else { return false }
            return scope.dropFirst(prefix.count + 1).split(separator: ",").contains { $0 == action || $0 == "*" }
        }
    }

    // MARK: The distribution API

    /// A request's kind, repository and the rest of its path.
    private struct Route {
        var kind: Kind = .ping
        var repository = ""
        /// The digest, tag or session id after `blobs/`, `manifests/` or `blobs/uploads/`.
        var name = ""
        var query: [String: String] = [:]

        init(_ url: URL, method: HTTPRequest.Method) {
            for item in URLComponents(url: url, resolvingAgainstBaseURL: false)?.queryItems ?? [] { query[item.name] = item.value }
            // `URL.path` drops the trailing slash of `…/blobs/uploads/`.
            let path = URLComponents(url: url, resolvingAgainstBaseURL: false)?.path ?? url.path
            if path == "/token" { kind = .token; return }
            guard path.hasPrefix("/v2/"), path != "/v2/" else { kind = .ping; return }
            let rest = String(path.dropFirst(4))
            for (marker, markerKind) in [("/blobs/uploads/", Kind.start), ("/manifests/", .manifestGet), ("/blobs/", .blobGet), ("/tags/list", .tags)] {
                guard let range = rest.range(of: marker) else { continue }
                repository = String(rest[..<range.lowerBound])
                name = String(rest[range.upperBound...])
                kind = markerKind
                break
            }
            switch (kind, method) {
            case (.start, .post): kind = query["mount"] == nil ? .start : .mount
            case (.start, .patch): kind = .patch
            case (.start, .get): kind = .status
            case (.start, .put): kind = .finish
            case (.manifestGet, .put): kind = .manifestPut
            case (.blobGet, .head): kind = .blobHead
            default: break
            }
        }

        var neededScopes: [String] {
            switch kind {
            case .ping, .token: return []
            case .tags, .manifestGet, .blobHead, .blobGet: return ["repository:\(repository):pull"]
            case .mount: return ["repository:\(repository):push", "repository:\(query["from"] ?? ""):pull"]
            case .start, .patch, .status, .finish, .manifestPut: return ["repository:\(repository):push"]
            }
        }

        func answer(_ registry: PushRegistry, request: HTTPRequest, body: Data) -> HTTPResponse {
            registry.answerRoute(self, request: request, body: body)
        }
    }

    private func answerRoute(_ route: Route, request: HTTPRequest, body: Data) -> HTTPResponse {
        let repository = route.repository
        switch route.kind {
        case .ping, .token:
            return answer(200, request: request)
        case .tags:
            let tags = state.withLock { $0.manifests[repository]?.keys.filter { !$0.hasPrefix("sha256:") }.sorted() }
            guard let tags else { return answer(404, error: "NAME_UNKNOWN", request: request) }
            let list = try? JSONSerialization.data(withJSONObject: ["name": repository, "tags": tags])
            return HTTPResponse(status: 200, headers: ["Content-Type": "application/json"], body: list ?? Data(), url: request.url)
        case .manifestGet:
            guard let stored = manifest(route.name, in: repository) else { return answer(404, error: "MANIFEST_UNKNOWN", request: request) }
            let digest = "sha256:" + SHA256Hasher.hex(of: stored.data)
            return HTTPResponse(status: 200, headers: ["Content-Type": stored.type, "Docker-Content-Digest": digest,
                                                       "Content-Length": String(stored.data.count)],
                                body: request.method == .head ? Data() : stored.data, url: request.url)
        case .blobHead, .blobGet:
            guard let data = blob(route.name, in: repository) else { return answer(404, error: "BLOB_UNKNOWN", request: request) }
            if route.kind == .blobHead {
                return HTTPResponse(status: 200, headers: ["Content-Length": String(data.count)], body: Data(), url: request.url)
            }
            guard let range = request.range else {
                return HTTPResponse(status: 200, headers: ["Content-Length": String(data.count)], body: data, url: request.url)
            }
            let upper = min(range.upper ?? Int64(data.count - 1), Int64(data.count - 1))
            return HTTPResponse(status: 206, headers: ["Content-Range": "bytes \(range.lower)-\(upper)/\(data.count)",
                                                       "Content-Length": String(upper + 1 - range.lower)],
                                body: data.subdata(in: Int(range.lower)..<Int(upper + 1)), url: request.url)
        case .mount:
            let digest = route.query["mount"] ?? "", from = route.query["from"] ?? ""
            if !refusesMounts, let data = blob(digest, in: from) {
                state.withLock { $0.blobs[repository, default: [:]][digest] = data }
                return answer(201, headers: ["Location": "/v2/\(repository)/blobs/\(digest)", "Docker-Content-Digest": digest], request: request)
            }
            return openSession(repository, request: request)
        case .start:
            return openSession(repository, request: request)
        case .patch, .status:
            let id = route.name
            guard let held = state.withLock({ $0.sessions[id]?.count }) else {
                return answer(404, error: "BLOB_UPLOAD_UNKNOWN", request: request)
            }
            if route.kind == .patch {
                // As distribution: a chunk must start where the session ends.
                if let range = request.headers["Content-Range"], range.split(separator: "-").first.flatMap({ Int($0) }) != held {
                    return answer(416, headers: ["Range": "0-\(max(held - 1, 0))"], error: "BLOB_UPLOAD_INVALID", request: request)
                }
                state.withLock { $0.sessions[id]?.append(body) }
            }
            let now = state.withLock { $0.sessions[id]?.count ?? 0 }
            return answer(route.kind == .patch ? 202 : 204,
                          headers: ["Location": sessionURL(repository, id, state: now), "Range": "0-\(max(now - 1, 0))",
                                    "Docker-Upload-UUID": id], request: request)
        case .finish:
            let id = route.name
            guard var session = state.withLock({ $0.sessions[id] }) else { return answer(404, error: "BLOB_UPLOAD_UNKNOWN", request: request) }
            session.append(body)
            let digest = route.query["digest"] ?? ""
            guard digest == "sha256:" + SHA256Hasher.hex(of: session) else {
                state.withLock { $0.sessions[id] = session }
                return answer(400, error: "DIGEST_INVALID", request: request)
            }
            state.withLock {
                $0.sessions[id] = nil
                $0.blobs[repository, default: [:]][digest] = session
            }
            return answer(201, headers: ["Location": "/v2/\(repository)/blobs/\(digest)", "Docker-Content-Digest": digest], request: request)
        case .manifestPut:
            // As distribution: every blob the manifest names must be there first.
            let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:]
            let named = ([object["config"] as Any] + (object["layers"] as? [Any] ?? []))
                .compactMap { ($0 as? [String: Any])?["digest"] as? String }
            if named.contains(where: { blob($0, in: repository) == nil }) {
                return answer(400, error: "MANIFEST_BLOB_UNKNOWN", request: request)
            }
            let digest = "sha256:" + SHA256Hasher.hex(of: body)
            let type = request.headers["Content-Type"] ?? ""
            state.withLock { state in
                state.manifests[repository, default: [:]][route.name] = (body, type)
                state.manifests[repository, default: [:]][digest] = (body, type)
            }
            return answer(201, headers: ["Docker-Content-Digest": digest, "Location": "/v2/\(repository)/manifests/\(digest)"], request: request)
        }
    }

    private func openSession(_ repository: String, request: HTTPRequest) -> HTTPResponse {
        let id = UUID().uuidString.lowercased()
        state.withLock { $0.sessions[id] = Data() }
        return answer(202, headers: ["Location": sessionURL(repository, id, state: 0), "Range": "0-0", "Docker-Upload-UUID": id],
                      request: request)
    }

    /// A session's URL, absolute on the upload host when uploads go elsewhere.
    private func sessionURL(_ repository: String, _ id: String, state: Int) -> String {
        let path = "/v2/\(repository)/blobs/uploads/\(id)?_state=\(state)"
        return uploadsElsewhere ? "https://\(Self.uploadHost)" + path : path
    }

    // MARK: Bytes

    private static func bytes(of body: HTTPRequest.Body?) throws -> Data {
        switch body {
        case nil: return Data()
        case let .data(data): return data
        case let .reader(reader, offset, length):
            var data = Data(count: Int(length))
            try data.withUnsafeMutableBytes { try reader.read(into: $0, at: offset) }
            return data
        }
    }

    private func answer(_ status: Int, headers: HTTPHeaders = HTTPHeaders(), error: String? = nil, request: HTTPRequest) -> HTTPResponse {
        let body = error.map { Data("{\"errors\": [{\"code\": \"\($0)\", \"message\": \"answered \(status)\"}]}".utf8) } ?? Data()
        return HTTPResponse(status: status, headers: headers, body: body, url: request.url)
    }

    /// Hands the body to the sink when it takes it, else keeps it in the response.
    private func deliver(_ response: HTTPResponse, to sink: ResponseBodySink?) throws -> HTTPResponse {
        guard let sink, try sink.begin(status: response.status, headers: response.headers) else { return response }
        try response.body.withUnsafeBytes { try sink.write($0) }
        return HTTPResponse(status: response.status, headers: response.headers, body: Data(), url: response.url)
    }
}
