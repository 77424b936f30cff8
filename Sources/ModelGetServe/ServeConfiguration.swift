import Foundation
import ModelGet

/// Everything `modelget serve` is told.
public struct ServeConfiguration: Sendable {
    /// Address to bind; 127.0.0.1 unless told otherwise.
    public var host: String = "127.0.0.1"
    /// Port to bind (0: any free port, reported through `onListening`).
    public var port: Int = 5000
    /// The store served.
    public var store: ModelStore
    /// An htpasswd file of bcrypt entries: Basic auth for every request.
    public var htpasswdPath: String?
    /// PEM certificate chain and key: serve HTTPS.
    public var tlsCertificatePath: String?
    public var tlsKeyPath: String?
    /// Access log lines as JSON objects.
    public var jsonLog = false
    /// At most this many connections at once; more wait in the backlog.
    /// nil: three quarters of the open-file limit serve raises itself to,
    /// leaving a descriptor for the file each busy connection sends.
    public var maximumConnections: Int?
    /// Pull-through: registries to fetch what the store lacks from.
    public var upstreams: [Upstream] = []
    /// How long a stored manifest for a tag is served before the upstream
    /// is asked again.
    public var manifestTTL: Duration = .seconds(300)
    /// How the upstream fetches retry a registry that goes away (`--retry-window`).
    public var upstreamRetry = RetryPolicy()
    /// Upstream fetches that move nothing this long are cut and resumed (`--stall-timeout`).
    public var upstreamStallTimeout: TimeInterval = HTTPRequest.defaultStallTimeout
    /// Bytes per second for all upstream fetches together (`--limit-rate`; nil: no limit).
    public var upstreamRateLimit: Int64?
    /// The most bytes a pull-through blob no manifest declared may take
    /// (`--max-blob-size`); the upstream's `Content-Length` bounds it too.
    public var maximumUndeclaredBlobSize: Int64 = 64 << 30
    /// Connections idle this long are closed.
    public var idleTimeout: Duration = .seconds(60)

    public init(store: ModelStore) {
        self.store = store
    }

    /// The host part of names that name none (`llama3`, `library/llama3`).
    /// `registry.ollama.ai`, or the host of the `--upstream URL`.
    var defaultHost: String { upstreams.first(where: \.isDefault)?.host ?? Reference.defaultHost }
}
