import Foundation
import Synchronization

/// Where an operation reads images from: for each name, the mirrors
/// registries.conf (and `--mirror`) give it, then its registry
/// (`RegistriesConfiguration.pullEndpoints`). One per operation, so what
/// its images share is shared: one client per endpoint (and so its
/// tokens), the mirrors found down (each costs its connect timeout once,
/// not once per blob), and where notes about mirrors go.
///
/// A mirror's client has its own credentials from Docker's `config.json`
/// (or what `CredentialStore` reads for its host), never the origin's:
/// not `MODELGET_USERNAME`/`MODELGET_PASSWORD`, not `--key`. It gives up
/// connecting after 2 s (`MirrorTransport`) and is never retried (a
/// failing mirror hands over to the next source); a registry's client
/// retries under the operation's `RetryPolicy`.
public final class SourceRouter: Sendable {
    public let configuration: RegistriesConfiguration
    let credentials: CredentialStore
    let mirrorCredentials: CredentialStore
    let http: HTTPClient
    let stallTimeout: TimeInterval
    let retry: RetryPolicy
    let notes: @Sendable (String) -> Void
    private let clients = Mutex<[String: Task<RegistryClient, Error>]>([:])
    private let down = Mutex<Set<String>>([])
    private let noted = Mutex<Set<String>>([])

    /// `credentials` are the origin's (with `--key`); `notes` hears one
    /// line for each mirror that is down, refuses, or sends wrong bytes.
    public init(configuration: RegistriesConfiguration = .empty, credentials: CredentialStore = CredentialStore(),
                http: HTTPClient = CurlEngine.shared, stallTimeout: TimeInterval = HTTPRequest.defaultStallTimeout,
                retry: RetryPolicy = RetryPolicy(), environment: [String: String] = ProcessInfo.processInfo.environment,
                notes: @escaping @Sendable (String) -> Void = { _ in }) {
        self.configuration = configuration
        self.credentials = credentials
        var mirrorEnvironment = environment
        for name in ["MODELGET_USERNAME", "MODELGET_PASSWORD", "MODELGET_OLLAMA_KEY"] { mirrorEnvironment[name] = nil }
        mirrorCredentials = CredentialStore(environment: mirrorEnvironment)
        self.http = http
        self.stallTimeout = stallTimeout
        self.retry = retry
        self.notes = notes
    }

    /// The sources of `reference`, mirrors first; `insecure` (`--insecure`)
    /// applies to its registry, not to mirrors. Throws when registries.conf blocks it.
    public func sources(for reference: Reference, insecure: Bool) throws -> PullSources {
        PullSources(reference: reference, endpoints: try configuration.pullEndpoints(for: reference, insecure: insecure), router: self)
    }

    /// The client for `endpoint`, made once per operation (a mirror's with
    /// its own credentials and a short connect timeout); a failed attempt
    /// is not kept, so the next image asks again.
    func client(for endpoint: RegistryEndpoint) async throws -> RegistryClient {
        let key = "\(endpoint.reference.scheme ?? "")://\(endpoint.reference.host)#\(endpoint.insecure)#\(endpoint.isMirror)"
        let task = clients.withLock { clients -> Task<RegistryClient, Error> in
            if let made = clients[key] { return made }
            let made = Task { try await self.connect(endpoint) }
            clients[key] = made
            return made
        }
        do {
            return try await task.value
        } catch {
            clients.withLock { _ = $0.removeValue(forKey: key) }
            throw error
        }
    }

    private func connect(_ endpoint: RegistryEndpoint) async throws -> RegistryClient {
        let reference = endpoint.reference
        guard endpoint.isMirror else {
            return try await RegistryClient.connect(to: reference, insecure: endpoint.insecure, http: http,
                                                    credentials: credentials, stallTimeout: stallTimeout, retry: retry)
        }
        let transport = MirrorTransport(base: http)
        func client(_ scheme: String) throws -> RegistryClient {
            try RegistryClient(host: reference.host, scheme: scheme, insecure: endpoint.insecure, http: transport,
                               credentials: mirrorCredentials, stallTimeout: stallTimeout, retry: .never)
        }
        if let scheme = reference.scheme { return try client(scheme) }
        let secure = try client("https")
        guard endpoint.insecure else { return secure }
        // HTTPS first, then plain HTTP; a mirror that does not answer at all is down.
        do {
            try await secure.ping()
            return secure
        } catch {
            guard case ModelGetError.network = error, !CurlEngine.isUnreachable(error) else { throw error }
            return try client("http")
        }
    }

    /// True once `endpoint` (a mirror) failed to answer in this operation.
    func isDown(_ endpoint: RegistryEndpoint) -> Bool {
        down.withLock { $0.contains(endpoint.reference.host) }
    }

    /// Records that a mirror did not answer: it is skipped from now on.
    func markDown(_ endpoint: RegistryEndpoint, because error: Error) {
        let first = down.withLock { $0.insert(endpoint.reference.host).inserted }
        if first { notes("mirror \(endpoint.reference.host) does not answer (\(error)); reading from the next source") }
    }

    /// Says `text` once per `key` (a mirror refusing, say), every time when `key` is nil.
    func note(_ text: String, once key: String? = nil) {
        if let key, !noted.withLock({ $0.insert(key).inserted }) { return }
        notes(text)
    }
}
