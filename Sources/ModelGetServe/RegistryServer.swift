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
public struct RegistryServer: Sendable {
    public let configuration: ServeConfiguration

    public init(configuration: ServeConfiguration) {
        self.configuration = configuration
    }

    /// Serves until SIGINT/SIGTERM. `onListening` gets the bound port.
    public func run(onListening: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        let tls = try tlsConfiguration()
        Self.raiseOpenFileLimit()
        let completions = SendCompletions()
        let metrics = ServeMetrics()
        let cache = configuration.upstreams.isEmpty ? nil : try PullThroughCache(
            upstreams: configuration.upstreams, store: configuration.store, manifestTTL: configuration.manifestTTL, metrics: metrics)
        let responder = RegistryResponder(
            lookup: StoreLookup(store: configuration.store),
            defaultHost: configuration.defaultHost,
            sendfile: tls == nil,
            htpasswd: try configuration.htpasswdPath.map { try HtpasswdFile(path: $0) },
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
            server = .http1(configuration: .init(additionalChannelHandlers: [FileRegionSender(completions: completions)], idleTimeout: idle))
        }
        var logger = Logger(label: "modelget-serve")
        logger.logLevel = .warning
        let app = Application(
            responder: responder,
            server: server,
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port),
                serverName: nil,
                availableConnectionsDelegate: MaximumAvailableConnections(configuration.maximumConnections)),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? 0) },
            logger: logger)
        do {
            try await app.runService()
        } catch let error as IOError {
            throw ModelGetError.listenFailed(address: "\(configuration.host):\(configuration.port)",
                                             reason: String(cString: strerror(error.errnoCode)))
        }
    }

    /// Every connection is a descriptor: lift the soft limit to the hard one.
    private static func raiseOpenFileLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
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
