import COpenSSL
import Foundation
import ModelGet
import Synchronization
import TestSupport

/// A real docker-registry behind a loopback front that plays what only
/// ollama's and Hugging Face's registries do, so modelget meets their
/// protocol against real storage:
///
/// - `/token` on the front itself is an `OllamaTokenService` (key-signed
///   requests only); the registry trusts its JWTs, and its challenges name
///   that realm, on the front's own host and port.
/// - `redirectUploads`: `POST` answers carry `Docker-Upload-Location`; a
///   `PATCH` with `X-Redirect-Uploads: 1` is answered 307 to a presigned
///   URL on a storage server (127.0.0.2) that takes the part by `PUT`; the
///   commit `PUT …&digest=&etag=` is checked against the parts' MD5s and
///   the assembled blob goes into the real registry's session.
/// - `cdn`: blob GETs the registry would answer 200 are sent by 307 to a
///   `__sign=` link on the front, which answers 302 to the CDN.
/// - Mixed-case names: ollama's registries take them, docker-registry
///   refuses upper case, so the front lower-cases the repository in every
///   `/v2/` path and the token service grants scopes under lower-cased
///   names. Seed the registry under the lower-cased repository; tags keep
///   their case (the registry accepts it).
final class OllamaRegistryFront: Sendable {
    let server: LoopbackHTTPServer
    let storage: LoopbackHTTPServer
    let tokens: OllamaTokenService
    let registry: RegistryProcess
    private let core: Core

    init(address: String = "127.0.0.1", redirectUploads: Bool = false, cdn: URL? = nil) throws {
        let core = Core()
        let tokens = OllamaTokenService(tokens: try TokenService())
        let storage = try LoopbackHTTPServer(address: "127.0.0.2") { core.store($0) }
        let server = try LoopbackHTTPServer(address: address) { core.handle($0) }
        let registry = try RegistryProcess(auth: .tokenAt(tokens.tokens, realm: server.baseURL.appendingPathComponent("token")))
        core.settings.withLock {
            $0 = Core.Settings(forwarder: Forwarder(upstream: registry.host), origin: server.baseURL.absoluteString,
                               storage: storage.baseURL.absoluteString, tokens: tokens, redirectUploads: redirectUploads, cdn: cdn)
        }
        (self.core, self.tokens, self.storage, self.server, self.registry) = (core, tokens, storage, server, registry)
    }

    /// `ADDRESS:PORT`, the host a reference names.
    var host: String { "\(server.address):\(server.port)" }

    /// Parts `PUT` to storage, in arrival order: their range and whether they carried `Authorization`.
    var storedParts: [(range: String, authorized: Bool)] { core.state.withLock { $0.log } }

    /// Commits that carried an etag, and whether it matched the parts.
    var commits: [(etag: String, matched: Bool)] { core.state.withLock { $0.commits } }

    private final class Core: Sendable {
        struct Settings {
            var forwarder: Forwarder
            var origin: String
            var storage: String
            var tokens: OllamaTokenService
            var redirectUploads: Bool
            var cdn: URL?
        }

        struct State {
            /// Parts by session path: offset and bytes.
            var parts: [String: [(offset: Int64, data: Data)]] = [:]
            var log: [(range: String, authorized: Bool)] = []
            var commits: [(etag: String, matched: Bool)] = []
        }

        let settings = Mutex<Settings?>(nil)
        let state = Mutex(State())

        func handle(_ received: TestHTTPRequest) -> TestHTTPResponse {
            guard let settings = settings.withLock({ $0 }) else { return TestHTTPResponse(status: 503) }
            if received.path == "/token" {
                return settings.tokens.respond(to: received, origin: settings.origin) { $0.lowercased() }
            }
            let request = received.retargeted(Self.lowercasingRepository(received.target))
            let isUpload = request.path.contains("/blobs/uploads/")
            if settings.redirectUploads, isUpload {
                if request.method == "POST" {
                    var response = settings.forwarder.forward(request)
                    if response.status == 202, let location = response.headers["Location"] {
                        response.headers.add("Docker-Upload-Location", location)
                    }
                    return response
                }
                if request.method == "PATCH", request.headers["X-Redirect-Uploads"] == "1" {
                    return redirectPart(request, settings)
                }
                if request.method == "PUT", let etag = request.query("etag").first {
                    return commit(request, etag: etag, settings)
                }
            }
            if let cdn = settings.cdn, request.method == "GET" {
                if let digest = request.path.components(separatedBy: "/blobs/").last, request.path.contains("/blobs/sha256:") {
                    let response = settings.forwarder.forward(request)
                    guard response.status == 200 else { return response }
                    return TestHTTPResponse(status: 307, headers: ["Location": "\(settings.origin)/resolve/\(digest)?__sign=signed-by-front"])
                }
                if request.path.hasPrefix("/resolve/"), request.query("__sign") == ["signed-by-front"] {
                    let digest = request.path.dropFirst("/resolve/".count)
                    return TestHTTPResponse(status: 302, headers: ["Location": cdn.absoluteString + "/xet/\(digest)?X-Xet-Signature=cdn"])
                }
            }
            return settings.forwarder.forward(request)
        }

        /// `/v2/<repository>/{manifests,blobs,tags}/…` with the repository
        /// lower-cased, the rest (tag, digest, upload state) as sent.
        static func lowercasingRepository(_ target: String) -> String {
            let prefix = "/v2/"
            guard target.hasPrefix(prefix),
                  let end = ["/manifests/", "/blobs/", "/tags/"].compactMap({ target.range(of: $0)?.lowerBound }).min() else {
                return target
            }
            return prefix + target[target.index(target.startIndex, offsetBy: prefix.count)..<end].lowercased() + target[end...]
        }

        /// Checks the session with the registry (auth included), then sends the part to storage.
        private func redirectPart(_ request: TestHTTPRequest, _ settings: Settings) -> TestHTTPResponse {
            let status = settings.forwarder.forward(method: "GET", target: request.target, headers: request.headers, body: Data())
            guard status.status == 204 else { return status }
            guard let range = request.headers["Content-Range"], !range.hasPrefix("bytes") else {
                return TestHTTPResponse(status: 400, body: Data("Content-Range must be <start>-<end>".utf8))
            }
            var components = URLComponents(string: settings.storage + "/part")!
            components.queryItems = [URLQueryItem(name: "session", value: request.path), URLQueryItem(name: "range", value: range),
                                     URLQueryItem(name: "X-Amz-Signature", value: "presigned")]
            return TestHTTPResponse(status: 307, headers: ["Location": components.string!, "Docker-Upload-Location": request.target])
        }

        /// The storage side: takes a part by `PUT`.
        func store(_ request: TestHTTPRequest) -> TestHTTPResponse {
            guard request.method == "PUT", request.path == "/part", request.query("X-Amz-Signature") == ["presigned"],
                  let session = request.query("session").first, let range = request.query("range").first else {
                return TestHTTPResponse(status: 403)
            }
            let bounds = range.split(separator: "-").compactMap { Int64($0) }
            guard bounds.count == 2, bounds[1] - bounds[0] + 1 == Int64(request.body.count) else {
                return TestHTTPResponse(status: 400, body: Data("part length does not match its range".utf8))
            }
            state.withLock {
                $0.log.append((range, request.headers["Authorization"] != nil))
                $0.parts[session, default: []].append((bounds[0], request.body))
            }
            return TestHTTPResponse(status: 200, headers: ["ETag": "\"\(Self.hex(Self.md5(request.body)))\""])
        }

        /// Checks the etag against the stored parts, then puts the whole blob into the registry's session.
        private func commit(_ request: TestHTTPRequest, etag: String, _ settings: Settings) -> TestHTTPResponse {
            let parts = state.withLock { $0.parts.removeValue(forKey: request.path) ?? [] }.sorted { $0.offset < $1.offset }
            let expected = Self.hex(Self.md5(parts.reduce(Data()) { $0 + Self.md5($1.data) })) + "-\(parts.count)"
            let contiguous = zip(parts, parts.dropFirst()).allSatisfy { $0.offset + Int64($0.data.count) == $1.offset }
            let matched = etag == expected && contiguous && parts.first?.offset == 0
            state.withLock { $0.commits.append((etag, matched)) }
            guard matched else { return TestHTTPResponse(status: 400, body: Data(#"{"errors":[{"code":"ETAG_INVALID"}]}"#.utf8)) }
            var target = URLComponents(string: request.target)!
            target.queryItems = target.queryItems?.filter { $0.name != "etag" }
            return settings.forwarder.forward(method: "PUT", target: target.string!, headers: request.headers,
                                              body: parts.reduce(Data()) { $0 + $1.data })
        }

        static func md5(_ data: Data) -> Data {
            var digest = [UInt8](repeating: 0, count: 16)
            var length: UInt32 = 0
            data.withUnsafeBytes { _ = EVP_Digest($0.baseAddress, $0.count, &digest, &length, EVP_md5(), nil) }
            return Data(digest)
        }

        static func hex(_ data: Data) -> String { data.map { String(format: "%02x", $0) }.joined() }
    }
}
