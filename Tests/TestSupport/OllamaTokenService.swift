import COpenSSL
import Foundation
import Synchronization

/// A token service that takes ollama's key-signed token requests, the way
/// ollama.com does (server/auth.go in ollama/ollama), and hands out the
/// distribution JWTs of a `TokenService`.
///
/// A request is granted only when its `Authorization` is
/// `<base64 SSH ed25519 public key>:<base64 signature>` for a registered
/// key, and the signature verifies — with libcrypto's Ed25519 directly,
/// not through modelget's code — over exactly
/// `GET,<origin><request target>,<base64 of the hex SHA-256 of "">`; the
/// query keys are sorted as Go's `url.Values.Encode` sorts them; `ts` is
/// within `maximumSkew` of now; and its `nonce` was never seen before.
/// Everything else is answered 401 with the reason in `refusals`.
public final class OllamaTokenService: Sendable {
    /// The JWT issuer the registry trusts.
    public let tokens: TokenService
    /// How far `ts` may be from the service's clock.
    public let maximumSkew: TimeInterval
    private let state = Mutex(State())

    private struct State {
        var keys: Set<String> = []
        var nonces: Set<String> = []
        var refusals: [String] = []
        var granted = 0
    }

    /// A service issuing `tokens`' JWTs to signed requests.
    public init(tokens: TokenService, maximumSkew: TimeInterval = 300) {
        self.tokens = tokens
        self.maximumSkew = maximumSkew
    }

    /// Accepts the key of an OpenSSH `.pub` file (`ssh-ed25519 BASE64 comment`),
    /// as ollama.com accepts a key pasted into its settings.
    public func register(publicKeyFile: String) throws {
        let fields = try String(contentsOfFile: publicKeyFile, encoding: .utf8).split(separator: " ")
        guard fields.count >= 2, fields[0] == "ssh-ed25519" else {
            throw TestSupportError.invalidArgument("\(publicKeyFile) is not an ssh-ed25519 public key")
        }
        state.withLock { _ = $0.keys.insert(String(fields[1])) }
    }

    /// Why each refused request was refused, in order.
    public var refusals: [String] { state.withLock { $0.refusals } }

    /// How many signed requests got a token.
    public var granted: Int { state.withLock { $0.granted } }

    /// Answers `GET /token?…` received by a server reached at `origin`
    /// (`http://127.0.0.1:PORT`, the part of the URL before the target);
    /// the JWT grants each scope under `scopeName(name)` (see `TokenService.issue`).
    public func respond(to request: TestHTTPRequest, origin: String, scopeName: (String) -> String = { $0 }) -> TestHTTPResponse {
        if let reason = refusal(of: request, origin: origin) {
            state.withLock { $0.refusals.append(reason) }
            return TestHTTPResponse(status: 401, headers: ["Content-Type": "application/json"],
                                    body: Data(#"{"errors":[{"code":"UNAUTHORIZED","message":"\#(reason)"}]}"#.utf8))
        }
        state.withLock { $0.granted += 1 }
        return tokens.issue(request, scopeName: scopeName)
    }

    private func refusal(of request: TestHTTPRequest, origin: String) -> String? {
        guard request.method == "GET" else { return "not a GET" }
        guard let authorization = request.headers["Authorization"] else { return "no Authorization" }
        let halves = authorization.split(separator: ":", omittingEmptySubsequences: false)
        guard halves.count == 2, let wire = Data(base64Encoded: String(halves[0])),
              let signature = Data(base64Encoded: String(halves[1])), signature.count == 64 else {
            return "Authorization is not <public key>:<signature>"
        }
        guard state.withLock({ $0.keys.contains(String(halves[0])) }) else { return "unknown key" }
        // SSH wire format: string "ssh-ed25519" (4 + 11 bytes), string key (4 + 32).
        guard wire.count == 51, wire.prefix(15) == Data([0, 0, 0, 11] + Array("ssh-ed25519".utf8)) else {
            return "not an ssh-ed25519 public key"
        }
        guard let emptyHash = try? SHA256Hasher.hex(of: Data()) else { return "no SHA-256" }
        let signed = "GET," + origin + request.target + "," + Data(emptyHash.utf8).base64EncodedString()
        guard Self.verify(publicKey: [UInt8](wire.suffix(32)), signature: [UInt8](signature), message: [UInt8](signed.utf8)) else {
            return "bad signature"
        }
        let query = request.target.split(separator: "?", maxSplits: 1).dropFirst().first ?? ""
        let names = query.split(separator: "&").map { String($0.prefix { $0 != "=" }) }
        guard names == names.sorted(by: { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }) else {
            return "query keys not sorted"
        }
        guard request.query("scope").count >= 1, request.query("service").count == 1 else { return "no scope or service" }
        guard let tsText = request.query("ts").first, let ts = TimeInterval(tsText),
              abs(ts - Date().timeIntervalSince1970) <= maximumSkew else {
            return "stale ts"
        }
        guard let nonce = request.query("nonce").first, !nonce.isEmpty else { return "no nonce" }
        let fresh = state.withLock { $0.nonces.insert(nonce).inserted }
        return fresh ? nil : "nonce reused"
    }

    /// libcrypto's Ed25519 verification of `signature` over `message`.
    private static func verify(publicKey: [UInt8], signature: [UInt8], message: [UInt8]) -> Bool {
        guard let key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, publicKey, 32) else { return false }
        defer { EVP_PKEY_free(key) }
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        return EVP_DigestVerifyInit(context, nil, nil, nil, key) == 1
            && EVP_DigestVerify(context, signature, 64, message, message.count) == 1
    }
}
