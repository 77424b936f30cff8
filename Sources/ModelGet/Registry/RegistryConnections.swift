/// One `RegistryClient` per registry (host, scheme and `insecure`), made on
/// first use and shared afterwards, so that models from one registry share
/// its tokens.
public actor RegistryConnections {
    private let http: HTTPClient
    private let stallTimeout: Double
    private let retry: RetryPolicy
    private var clients: [String: RegistryClient] = [:]

    public init(http: HTTPClient = CurlEngine.shared, stallTimeout: Double = HTTPRequest.defaultStallTimeout,
                retry: RetryPolicy = RetryPolicy()) {
        self.http = http
        self.stallTimeout = stallTimeout
        self.retry = retry
    }

    /// The client for `reference`'s registry.
    public func client(for reference: Reference, insecure: Bool) async throws -> RegistryClient {
        let key = "\(reference.scheme ?? "")://\(reference.host)#\(insecure)"
        if let client = clients[key] { return client }
        let client = try await RegistryClient.connect(to: reference, insecure: insecure, http: http, stallTimeout: stallTimeout, retry: retry)
        clients[key] = client
        return client
    }
}
