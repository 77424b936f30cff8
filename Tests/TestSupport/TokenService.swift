import Foundation

/// A bearer-token service for distribution's token auth, running on a
/// `LoopbackHTTPServer`.
///
/// At start it makes an RSA-2048 key and a self-signed certificate with the
/// `openssl` tool; a `RegistryProcess` with `.token(service)` trusts that
/// certificate. `GET /token?service=…&scope=…` grants exactly the requested
/// scopes unless `grant` says otherwise; with `users` set, requests without
/// matching basic credentials get 401.
public final class TokenService: Sendable {
    /// The `service` the registry names in its challenge (the token's `aud`).
    public let service: String
    /// The token issuer (`iss`), which the registry checks.
    public let issuer: String
    /// The PEM certificate the registry trusts (`rootcertbundle`).
    public let rootCertBundle: URL
    /// The directory holding the key and certificate.
    public let directory: URL
    /// The HTTP server answering token requests; its `requests` are the
    /// token requests made so far.
    public let server: LoopbackHTTPServer
    private let issuerLogic: TokenIssuer

    /// Makes the key and certificate and starts serving on a free port of
    /// `address`.
    public init(
        service: String = "modelget-test-registry",
        issuer: String = "modelget-test-token-issuer",
        users: [String: String] = [:],
        expiresIn: Int = 300,
        address: String = "127.0.0.1"
    ) throws {
        let directory = try TemporaryDirectory.make(prefix: "modelget-token")
        let keyFile = directory.appendingPathComponent("key.pem")
        let certificate = directory.appendingPathComponent("cert.pem")
        do {
            try Command.run("openssl", [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "2",
                "-subj", "/CN=modelget-test-token", "-keyout", keyFile.path, "-out", certificate.path,
            ])
            let signer = try JWTSigner(
                privateKeyPEM: try Data(contentsOf: keyFile),
                certificatePEM: try String(contentsOf: certificate, encoding: .utf8))
            let logic = TokenIssuer(
                service: service, issuer: issuer, users: users, expiresIn: expiresIn, signer: signer)
            server = try LoopbackHTTPServer(address: address) { logic.respond(to: $0) }
            issuerLogic = logic
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
        self.directory = directory
        self.rootCertBundle = certificate
        self.service = service
        self.issuer = issuer
    }

    deinit {
        server.stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// `http://ADDRESS:PORT/token`, the registry's `realm`.
    public var realm: URL {
        server.baseURL.appendingPathComponent("token")
    }

    /// How many requests reached `/token` (granted or not).
    public var tokenRequests: Int {
        issuerLogic.withState { $0.tokenRequests }
    }

    /// Lifetime of new tokens in seconds (`expires_in` and `exp`).
    public var expiresIn: Int {
        get { issuerLogic.withState { $0.expiresIn } }
        set { issuerLogic.withState { $0.expiresIn = newValue } }
    }

    /// Decides which actions of a requested scope a user (nil when
    /// anonymous) gets; by default all of them. Tests set it to deny, say,
    /// `push`.
    public var grant: @Sendable (_ user: String?, _ scope: TokenScope) -> [String] {
        get { issuerLogic.withState { $0.grant } }
        set { issuerLogic.withState { $0.grant = newValue } }
    }

    /// Answers a token request received elsewhere (a registry front that
    /// serves `/token` itself) as this service's own server would, each
    /// scope's name passed through `scopeName` (a front that renames
    /// repositories grants the names the registry sees).
    public func issue(_ request: TestHTTPRequest, scopeName: (String) -> String = { $0 }) -> TestHTTPResponse {
        issuerLogic.respond(to: request, scopeName: scopeName)
    }

    /// Stops serving tokens.
    public func stop() {
        server.stop()
    }
}
