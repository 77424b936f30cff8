import Foundation
import Synchronization

/// A client for one registry's distribution API (`/v2/`). It adds
/// credentials only to requests for the registry's own host and to the
/// token realm the registry names, and never follows a redirect with them.
public final class RegistryClient: Sendable {
    /// `host[:port]` as the user named it.
    public let host: String
    /// The registry's base URL, `scheme://host/`.
    public let baseURL: URL
    /// Plain HTTP and unverified TLS are allowed for this registry.
    public let insecure: Bool
    /// The transport, wrapped in the retry policy.
    let http: RetryingHTTPClient
    let credentials: Credentials?
    /// Where the credentials were looked for (for the error when none were found).
    let credentialSearch: String
    /// The key file that signs token requests, if one applies to this registry.
    let key: String?
    /// The partner hosts this registry may hand over to.
    let family: RegistryFamily
    /// Where `/v2/` requests go: `baseURL` until the registry moves the
    /// client to its partner host (hf.co → huggingface.co).
    let apiBase: Mutex<URL>
    let tokens = TokenCache()
    let authMode = Mutex<AuthMode>(.unknown)
    let stallTimeout: TimeInterval

    /// Makes a client. `scheme` is `https` unless the reference spelled
    /// `http://`, or the registry is `insecure` and its HTTPS port does not
    /// answer TLS (see `connect`).
    /// Every request goes through `retry` (`RetryingHTTPClient` around `http`).
    public init(host: String, scheme: String = "https", insecure: Bool, http: HTTPClient = CurlEngine.shared,
                credentials: CredentialStore = CredentialStore(), stallTimeout: TimeInterval = HTTPRequest.defaultStallTimeout,
                retry: RetryPolicy = RetryPolicy(), family: RegistryFamily = .ollama) throws {
        guard scheme == "https" || insecure else { throw ModelGetError.insecureRegistry(host: host) }
        let mapped = Reference.apiHost(host)
        guard let url = URL(string: "\(scheme)://\(mapped)/") else {
            throw ModelGetError.invalidReference(host, reason: "not a valid host")
        }
        self.host = host
        self.baseURL = url
        self.insecure = insecure
        self.http = (http as? RetryingHTTPClient).map { RetryingHTTPClient($0.base, policy: retry) } ?? RetryingHTTPClient(http, policy: retry)
        self.credentials = credentials.credentials(for: host)
        self.credentialSearch = credentials.searched(for: host)
        self.key = credentials.keyPath(for: host, family: family)
        self.family = family
        self.apiBase = Mutex(url)
        self.stallTimeout = stallTimeout
    }

    /// Makes a client for a reference's registry; with `insecure` and no
    /// scheme in the reference, HTTPS is tried first, then plain HTTP.
    public static func connect(to reference: Reference, insecure: Bool, http: HTTPClient = CurlEngine.shared,
                               credentials: CredentialStore = CredentialStore(), stallTimeout: TimeInterval = HTTPRequest.defaultStallTimeout,
                               retry: RetryPolicy = RetryPolicy()) async throws -> RegistryClient {
        if let scheme = reference.scheme {
            let client = try RegistryClient(host: reference.host, scheme: scheme, insecure: insecure, http: http,
                                            credentials: credentials, stallTimeout: stallTimeout, retry: retry)
            return client
        }
        let secure = try RegistryClient(host: reference.host, scheme: "https", insecure: insecure, http: http,
                                        credentials: credentials, stallTimeout: stallTimeout, retry: retry)
        guard insecure else { return secure }
        do {
            // Asked once: a plain-HTTP registry fails the TLS handshake at once.
            try await secure.ping(retrying: false)
            return secure
        } catch ModelGetError.network, ModelGetError.unreachable {
            return try RegistryClient(host: reference.host, scheme: "http", insecure: true, http: http,
                                      credentials: credentials, stallTimeout: stallTimeout, retry: retry)
        }
    }

    /// `GET /v2/`: checks that a registry answers (401 counts: it asks for
    /// auth); `retrying: false` asks once, whatever the retry policy.
    public func ping(retrying: Bool = true) async throws {
        let url = baseURL.appendingPathComponent("v2/")
        var probe = request(.get, url)
        probe.mayRetry = retrying
        let response = try await http.send(probe)
        guard (200..<300).contains(response.status) || response.status == 401 else {
            throw RegistryErrorBody.error(for: response, url: url)
        }
    }

    /// The URL of `/v2/<repository>/<suffix>` on the current API host.
    func url(_ repository: String, _ suffix: String) -> URL {
        // The base is always "scheme://host[:port]/": joined as text, parsed once.
        URL(string: apiBase.withLock { $0 }.absoluteString + "v2/" + repository + "/" + suffix)!
    }

    /// A request with this registry's TLS and stall settings.
    func request(_ method: HTTPRequest.Method, _ url: URL, headers: HTTPHeaders = HTTPHeaders(),
                 body: HTTPRequest.Body? = nil) -> HTTPRequest {
        HTTPRequest(method: method, url: url, headers: headers, body: body,
                    skipTLSVerification: insecure, stallTimeout: stallTimeout)
    }

    /// True when `url` is on this registry's current API scheme, host and port.
    func isRegistryOrigin(_ url: URL) -> Bool {
        let base = apiBase.withLock { $0 }
        // The base is "scheme://host[:port]/": a URL spelled with it is on
        // it (the common case, checked without parsing either URL).
        if url.absoluteString.hasPrefix(base.absoluteString) { return true }
        return url.scheme == base.scheme && url.host == base.host && url.port == base.port
    }
}
