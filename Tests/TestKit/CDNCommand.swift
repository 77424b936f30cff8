import Foundation
import TestSupport

/// `cdn`: the network-shaped bench set-up in the foreground: nginx as an
/// HTTPS HTTP/2 CDN over a registry's storage plus a registry front that
/// answers blob GETs with 307 to it, behind a relay capping each TCP
/// connection. Prints `FRONT_PORT RELAY_PORT TLS_PORT` and runs until
/// SIGTERM or SIGINT.
enum CDNCommand {
    static let usage = """
        modelget-testkit cdn --registry-port N --storage DIR [--cap BYTES_PER_SECOND] [--workers N]
          Runs nginx (HTTPS, HTTP/2, self-signed) over DIR's blobs and a front on a free
          port that redirects blob GETs to it through a relay capping each connection.
        """

    static func run(_ arguments: ArraySlice<String>) throws {
        let options = try Options(arguments, valued: ["registry-port", "storage", "cap", "workers"], flags: [])
        guard let registryPort = try options.count("registry-port"), (1...65535).contains(registryPort) else {
            throw UsageError("--registry-port must be 1…65535")
        }
        let storage = URL(fileURLWithPath: try options.required("storage"), isDirectory: true).standardizedFileURL
        // Blocked before any thread starts (every thread inherits the mask), then awaited below.
        var stopSignals = sigset_t()
        sigemptyset(&stopSignals)
        sigaddset(&stopSignals, SIGTERM)
        sigaddset(&stopSignals, SIGINT)
        pthread_sigmask(SIG_BLOCK, &stopSignals, nil)
        let cdn = try NginxCDN(registryPort: Int(registryPort), storageRoot: storage,
                               shaping: TCPRelay.Shaping(bytesPerSecond: try options.count("cap")),
                               workers: Int(try options.count("workers") ?? 1))
        FileHandle.standardOutput.write(Data("\(cdn.frontPort) \(cdn.relay.port) \(cdn.tlsPort)\n".utf8))
        var received: Int32 = 0
        sigwait(&stopSignals, &received)
        cdn.stop()
    }
}
