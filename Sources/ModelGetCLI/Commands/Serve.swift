import ArgumentParser
import Foundation
import ModelGet
import ModelGetServe

/// `modelget serve`: the models directory as a read-only registry.
struct Serve: LongCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve the models directory as a read-only OCI/Ollama registry.",
        discussion: Examples.text(["modelget serve --listen 127.0.0.1:5000", "modelget serve --listen 0.0.0.0:5000 --upstream https://registry.ollama.ai"], before: """
        Answers GET/HEAD on /v2/ (manifests, blobs with Range, tags/list, _catalog) from the store; \
        pushes get 405 UNSUPPORTED. Names are matched case-insensitively as ollama resolves them; \
        `llama3` and `library/llama3` mean registry.ollama.ai/library/llama3, `HOST/NS/MODEL` another host's model. \
        ollama (User-Agent ollama/…) gets a 307 to a signed blob link, as it requires; other clients get 200. \
        One access-log line per request goes to stderr. GET /metrics answers Prometheus text. \
        SIGINT/SIGTERM stop it after in-flight responses finish. \
        With --upstream it is a pull-through cache: a missing blob is fetched once (however many clients wait), \
        streamed to them while it arrives, verified and kept; manifests for tags are re-checked after --manifest-ttl.
        """)
    )

    @Option(name: .long, help: ArgumentHelp("ADDR:PORT to listen on (port 0: any free port).", valueName: "addr:port"))
    var listen = "127.0.0.1:5000"

    @OptionGroup var models: ModelsOption

    @Option(name: .long, help: ArgumentHelp("htpasswd file with bcrypt entries (htpasswd -B): require HTTP Basic auth.", valueName: "file"))
    var auth: String?

    @Option(name: .customLong("tls-cert"), help: ArgumentHelp("PEM certificate (chain) for HTTPS.", valueName: "file"))
    var tlsCert: String?

    @Option(name: .customLong("tls-key"), help: ArgumentHelp("PEM private key for HTTPS.", valueName: "file"))
    var tlsKey: String?

    @Flag(name: .long, help: "Access log as one JSON object per line.")
    var json = false

    @Option(name: .long, help: ArgumentHelp(
        "Pull-through cache: fetch what the store lacks from URL (names without a host) or, as HOST=URL, for names starting with HOST. Repeatable.",
        valueName: "URL|HOST=URL"))
    var upstream: [String] = []

    @Option(name: .customLong("manifest-ttl"), help: ArgumentHelp("Seconds a stored manifest for a tag is served before the upstream is asked again.", valueName: "seconds"))
    var manifestTTL = 300

    @OptionGroup var retryWindow: RetryWindowOption
    @OptionGroup var rate: RateLimitOption

    @Option(name: .long, help: "Cut and resume an upstream fetch that moves nothing for this many seconds.")
    var stallTimeout: Double = HTTPRequest.defaultStallTimeout

    @Option(name: .customLong("max-blob-size"), help: ArgumentHelp(
        "The most bytes a pull-through blob no manifest declared may take (e.g. 64G); the upstream's Content-Length and the free space bound it too.",
        valueName: "size"))
    var maxBlobSize = "64G"

    @Option(name: .customLong("max-connections"), help: ArgumentHelp("Connections served at once; more wait to be accepted (default: 3/4 of the open-file limit, which serve raises to the hard limit).", valueName: "n"))
    var maxConnections: Int?

    func validate() throws {
        if let maxConnections, !(1...1_000_000).contains(maxConnections) { throw ValidationError("--max-connections must be from 1 to 1000000") }
        _ = try Self.address(listen)
        if (tlsCert == nil) != (tlsKey == nil) { throw ValidationError("--tls-cert and --tls-key go together") }
        guard manifestTTL >= 0 else { throw ValidationError("--manifest-ttl must be 0 or more seconds") }
        guard stallTimeout > 0, stallTimeout.isFinite else { throw ValidationError("--stall-timeout must be positive") }
        guard RateLimiter.parseRate(maxBlobSize) != nil else { throw ValidationError("--max-blob-size wants a size such as 64G or 500M, not \"\(maxBlobSize)\"") }
        let upstreams = try upstream.map { text in
            do { return try Upstream(parsing: text) } catch { throw ValidationError("\(error)") }
        }
        guard upstreams.filter(\.isDefault).count <= 1 else { throw ValidationError("only one --upstream may be a plain URL; give the others as HOST=URL") }
        guard Set(upstreams.map { $0.host.lowercased() }).count == upstreams.count else { throw ValidationError("two --upstream for one host") }
    }

    /// The server drains on SIGINT and SIGTERM itself (`RegistryServer.run`) and exits 0.
    static var signals: SignalOwner { .work }

    func work() async throws {
        let (host, port) = try Self.address(listen)
        var configuration = ServeConfiguration(store: models.store)
        configuration.host = host
        configuration.port = port
        configuration.htpasswdPath = auth
        configuration.tlsCertificatePath = tlsCert
        configuration.tlsKeyPath = tlsKey
        configuration.jsonLog = json
        configuration.maximumConnections = maxConnections
        configuration.upstreams = try upstream.map(Upstream.init(parsing:))
        configuration.manifestTTL = .seconds(manifestTTL)
        configuration.upstreamRetry = retryWindow.policy
        configuration.upstreamStallTimeout = stallTimeout
        configuration.upstreamRateLimit = rate.bytesPerSecond
        configuration.maximumUndeclaredBlobSize = RateLimiter.parseRate(maxBlobSize) ?? configuration.maximumUndeclaredBlobSize
        let scheme = tlsCert == nil ? "http" : "https"
        let root = configuration.store.root.path
        let json = json
        try await RegistryServer(configuration: configuration).run { bound in
            let shown = host.contains(":") ? "[\(host)]" : host
            if json {
                // On stderr with the access log, one JSON object per line.
                let line = ["event": "listening", "url": "\(scheme)://\(shown):\(bound)", "models": root]
                if let data = try? JSONSerialization.data(withJSONObject: line, options: [.sortedKeys, .withoutEscapingSlashes]) {
                    Terminal.printError(String(decoding: data, as: UTF8.self))
                }
            } else {
                Terminal.printError("modelget serve: listening on \(scheme)://\(shown):\(bound) (models: \(root))")
            }
        }
    }

    /// `ADDR:PORT`, `[IPv6]:PORT` or a bare `PORT` (on 127.0.0.1).
    static func address(_ text: String) throws -> (String, Int) {
        var host = "127.0.0.1", portText = Substring(text)
        if let colon = text.lastIndex(of: ":") {
            host = String(text[..<colon])
            portText = text[text.index(after: colon)...]
            if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        }
        guard !host.isEmpty, let port = Int(portText), (0...65535).contains(port) else {
            throw ValidationError("--listen wants ADDR:PORT (e.g. 127.0.0.1:5000 or 0.0.0.0:5000), not \"\(text)\"")
        }
        return (host, port)
    }
}
