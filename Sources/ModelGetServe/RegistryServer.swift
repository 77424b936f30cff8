import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import ModelGet
import NIOCore
import NIOSSL

/// `modelget serve`: the store as a read-only distribution registry on
/// Hummingbird. `run` returns after SIGINT or SIGTERM once in-flight
/// responses have finished.
package struct RegistryServer: Sendable {
    package let configuration: ServeConfiguration

    package init(configuration: ServeConfiguration) {
        self.configuration = configuration
    }

    /// Serves until SIGINT/SIGTERM. `onListening` gets the bound port.
    package func run(onListening: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        let tls = try tlsConfiguration()
        let openFiles = Self.raiseOpenFileLimit()
        let maximumConnections = configuration.maximumConnections ?? max(64, openFiles / 4 * 3)
        let completions = SendCompletions()
        let metrics = ServeMetrics()
        let cache = configuration.upstreams.isEmpty ? nil : try PullThroughCache(
            upstreams: configuration.upstreams, store: configuration.store, manifestTTL: configuration.manifestTTL,
            retry: configuration.upstreamRetry, stallTimeout: configuration.upstreamStallTimeout, rateLimit: configuration.upstreamRateLimit, maximumUndeclaredBlobSize: configuration.maximumUndeclaredBlobSize, metrics: metrics)
        let responder = RegistryResponder(
            lookup: StoreLookup(store: configuration.store),
            defaultHost: configuration.defaultHost,
            sendfile: tls == nil,
            htpasswd: try configuration.htpasswdPath.map { try HtpasswdFile(path: $0) },
            failedLogins: FailedLoginLimit(),
            signer: BlobLinkSigner(),
            metrics: metrics,
            log: AccessLog(json: configuration.jsonLog),
            completions: completions,
            cache: cache)
        let idle = TimeAmount.nanoseconds(Int64(configuration.idleTimeout / .nanoseconds(1)))
        var server: HTTPServerBuilder
        if let tls {
            server = try .tls(.http1(configuration: .init(idleTimeout: idle)), tlsConfiguration: tls)
        } else {
            server = .http1(configuration: .init(additionalChannelHandlers: [FileRegionSender(completions: completions, store: configuration.store)], idleTimeout: idle))
        }
        var logger = Logger(label: "modelget-serve")
        logger.logLevel = .warning
        let app = Application(
            responder: responder,
            server: server,
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: nil,
                backlog: Self.listenBacklog(),
                availableConnectionsDelegate: MaximumAvailableConnections(maximumConnections)),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
        do {
            try await app.runService()
        } catch let error as IOError {
            throw ModelGetError.listenFailed(address: "\(configuration.host):\(configuration.port)",
                                             reason: String(cString: strerror(error.errnoCode)))
        }
    }

    /// Every connection is a descriptor: lifts the soft RLIMIT_NOFILE to
    /// the hard one, as Go's runtime does at start for every Go program
    /// (docker-registry among them), so the 1,024 most shells give is not
    /// serve's ceiling. Returns the soft limit now in force.
    private static func raiseOpenFileLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return limit.rlim_cur == rlim_t.max ? 1 << 20 : Int(min(limit.rlim_cur, 1 << 30))
    }

    /// The kernel's ceiling for a listen queue (net.core.somaxconn), which
    /// Go's net package also asks for: a burst of connections waits in the
    /// queue instead of having its SYNs dropped and retried a second later,
    /// as happens past Hummingbird's default of 256.
    private static func listenBacklog() -> Int {
        let text = (try? String(contentsOfFile: "/proc/sys/net/core/somaxconn", encoding: .utf8)) ?? ""
        return Int(text.trimmingCharacters(in: .whitespacesAndNewlines)).map { min(max($0, 256), 65535) } ?? 4096
    }

    private func tlsConfiguration() throws -> TLSConfiguration? {
        switch (configuration.tlsCertificatePath, configuration.tlsKeyPath) {
        case (nil, nil):
            return nil
        case let (certificate?, key?):
            do {
                let chain = try NIOSSLCertificate.fromPEMFile(certificate).map { NIOSSLCertificateSource.certificate($0) }
                let privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
                return TLSConfiguration.makeServerConfiguration(certificateChain: chain, privateKey: .privateKey(privateKey))
            } catch {
                throw ModelGetError.usage("cannot load the TLS certificate or key (\(certificate), \(key)): \(error)")
            }
        default:
            throw ModelGetError.usage("--tls-cert and --tls-key go together")
        }
    }
}
