import Foundation
import TestSupport

/// `far`: a registry shaped like ollama's across a path with latency
/// (`FarRegistry`) in the foreground. Prints `FRONT_PORT CDN_PORT`; on
/// SIGUSR1 prints one JSON line of counts so far (each relay's
/// connections, TLS handshakes and resumption offers; token requests per
/// scope; CDN requests, connections and resumed sessions as nginx logged
/// them); runs until SIGTERM or SIGINT.
enum FarCommand {
    static let usage = """
        modelget-testkit far --storage DIR [--delay-ms N] [--cap BYTES_PER_SECOND] [--link BYTES_PER_SECOND] [--workers N]
          Runs docker-registry over DIR with token auth, redirecting blob GETs to an
          HTTPS HTTP/2 CDN (nginx), behind an HTTPS HTTP/2 front (nginx) that serves
          manifests as text/plain; both reached through relays adding --delay-ms each
          way (default 20), capping each connection (--cap) or the whole path (--link).
        """

    static func run(_ arguments: ArraySlice<String>) throws {
        let options = try Options(arguments, valued: ["storage", "delay-ms", "cap", "link", "workers"], flags: [])
        let storage = URL(fileURLWithPath: try options.required("storage"), isDirectory: true).standardizedFileURL
        let path = DelayRelay.Path(oneWayDelay: Double(try options.count("delay-ms") ?? 20) / 1000,
                                   connectionRate: try options.count("cap"),
                                   link: try options.count("link").map { LinkRate(bytesPerSecond: $0) })
        // Blocked before any thread starts (every thread inherits the mask), then awaited below.
        var signals = sigset_t()
        sigemptyset(&signals)
        for signal in [SIGTERM, SIGINT, SIGUSR1] { sigaddset(&signals, signal) }
        pthread_sigmask(SIG_BLOCK, &signals, nil)
        let far = try FarRegistry(storage: storage, path: path, workers: Int(try options.count("workers") ?? 2))
        FileHandle.standardOutput.write(Data("\(far.front.port) \(far.cdn.port)\n".utf8))
        var received: Int32 = 0
        while sigwait(&signals, &received) == 0, received == SIGUSR1 {
            FileHandle.standardOutput.write(try counts(far) + Data("\n".utf8))
        }
        far.stop()
    }

    /// The counts as one JSON object.
    static func counts(_ far: FarRegistry) throws -> Data {
        func relay(_ counts: DelayRelay.Counts) -> [String: Any] {
            ["connections": counts.connections, "tls_handshakes": counts.tlsHandshakes,
             "resumption_offers": counts.resumptionOffers, "bytes_to_clients": counts.bytesToClients]
        }
        var tokens: [String: Int] = [:]
        for line in far.frontLog {
            let words = line.split(separator: " ")
            if words.count > 3, words[3].hasPrefix("/token") { tokens[String(words[3]), default: 0] += 1 }
        }
        let cdn = far.cdnLog.map { $0.split(separator: " ") }.filter { $0.count > 1 }
        let connections = Dictionary(grouping: cdn, by: { $0[0] })
        let object: [String: Any] = [
            "front": relay(far.front.counts), "cdn": relay(far.cdn.counts), "token_requests": tokens,
            "cdn_requests": cdn.count, "cdn_connections": connections.count,
            "cdn_connections_resumed": connections.values.filter { $0.first?[1] == "r" }.count,
        ]
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
    }
}
