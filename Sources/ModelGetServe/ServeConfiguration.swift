import Foundation
import ModelGet

/// Everything `modelget serve` is told.
package struct ServeConfiguration: Sendable {
    /// Address to bind; 127.0.0.1 unless told otherwise.
    package var host: String = "127.0.0.1"
    /// Port to bind (0: any free port, reported through `onListening`).
    package var port: Int = 5000
    /// The store served.
    package var store: ModelStore
    /// An htpasswd file of bcrypt entries: Basic auth for every request.
    package var htpasswdPath: String?
    /// PEM certificate chain and key: serve HTTPS.
    package var tlsCertificatePath: String?
    package var tlsKeyPath: String?
    /// Access log lines as JSON objects.
    package var jsonLog = false
    /// At most this many connections at once; more wait in the backlog.
    /// nil: three quarters of the open-file limit serve raises itself to,
    /// leaving a descriptor for the file each busy connection sends.
    package var maximumConnections: Int?
    /// Pull-through: registries to fetch what the store lacks from.
    package var upstreams: [Upstream] = []
    /// How long a stored manifest for a tag is served before the upstream
    /// is asked again.
    package var manifestTTL: Duration = .seconds(300)
    /// How the upstream fetches retry a registry that goes away (`--retry-window`).
    package var upstreamRetry = RetryPolicy()
    /// Upstream fetches that move nothing this long are cut and resumed (`--stall-timeout`).
    package var upstreamStallTimeout: TimeInterval = HTTPRequest.defaultStallTimeout
    /// Bytes per second for all upstream fetches together (`--limit-rate`; nil: no limit).
    package var upstreamRateLimit: Int64?
    /// The most bytes a pull-through blob no manifest declared may take
    /// (`--max-blob-size`); the upstream's `Content-Length` bounds it too.
    package var maximumUndeclaredBlobSize: Int64 = 64 << 30
    /// Connections idle this long are closed.
    package var idleTimeout: Duration = .seconds(60)

    package init(store: ModelStore) {
        self.store = store
    }

    /// The host part of names that name none (`llama3`, `library/llama3`).
    /// `registry.ollama.ai`, or the host of the `--upstream URL`.
    var defaultHost: String { upstreams.first(where: \.isDefault)?.host ?? Reference.defaultHost }
}
