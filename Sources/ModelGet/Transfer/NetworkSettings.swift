import Foundation
import Synchronization

/// The proxies and TLS trust every request of the process follows:
/// `CurlTransfer` asks `route(for:)` once per request (a redirect to a CDN
/// is a request of its own, so it is decided for the CDN's host), and sets
/// every libcurl option from the answer, so libcurl's own reading of the
/// environment never decides anything. The CLI sets `current` from its
/// flags once, before any request; a library user may set it too. By
/// default it is what the environment says.
package final class NetworkSettings: Sendable {
    package let proxies: ProxySettings
    package let trust: TLSTrust
    /// Per `host[:port]`: what `trust` gives it (read from disk once).
    private let hosts = Mutex<[String: HostTrust]>([:])

    package init(proxies: ProxySettings, trust: TLSTrust) {
        self.proxies = proxies
        self.trust = trust
    }

    /// The settings of the process's requests.
    package static var current: NetworkSettings {
        get { installed.withLock { $0 } }
        set { installed.withLock { $0 = newValue } }
    }

    private static let installed = Mutex<NetworkSettings>(NetworkSettings.fromEnvironment())

    /// The environment's proxies and trust; no proxy when a proxy
    /// variable cannot be used (the CLI reports that before it gets here).
    static func fromEnvironment() -> NetworkSettings {
        NetworkSettings(proxies: (try? ProxySettings()) ?? .direct, trust: TLSTrust())
    }

    /// How a request to `url` is made.
    func route(for url: URL, systemCAFile: @autoclosure () -> String?) throws -> ConnectionRoute {
        let authority = Self.authority(of: url)
        var route = ConnectionRoute(proxy: proxies.proxy(for: url))
        if url.scheme?.lowercased() == "https" {
            if let known = hosts.withLock({ $0[authority] }) {
                route.trust = known
            } else {
                let found = try trust.forHost(authority, systemCAFile: systemCAFile())
                hosts.withLock { $0[authority] = found }
                route.trust = found
            }
        }
        if let proxy = route.proxy, proxy.lowercased().hasPrefix("https://") {
            // An HTTPS proxy is verified with the CAs every host gets (no certs.d: it is not a registry).
            route.proxyTrust = try trust.forHost("", systemCAFile: systemCAFile())
        }
        return route
    }

    /// `host[:port]` as the URL spells it (IPv6 in brackets).
    static func authority(of url: URL) -> String {
        var host = url.host ?? ""
        if host.contains(":") && !host.hasPrefix("[") { host = "[" + host + "]" }
        return host + (url.port.map { ":\($0)" } ?? "")
    }

    /// What to tell a user whose request to `url` met a certificate no
    /// trusted CA signed: each way to trust it, for that host.
    package func untrustedCertificateAdvice(for url: URL) -> String {
        let authority = Self.authority(of: url)
        var ways = ["--cacert CA.pem", "SSL_CERT_FILE=CA.pem"]
        if let root = trust.certsDirectories.first {
            ways.append("\(root)/\(authority)/ca.crt (or under /etc/containers/certs.d or /etc/docker/certs.d)")
        }
        return "TLS certificate of \(authority) is not signed by a trusted CA; trust its CA with "
            + ways.joined(separator: ", ") + ", or skip the check with --insecure"
    }

    /// What to tell a user whose TLS connection to `url` failed because
    /// the host wants a client certificate.
    package func clientCertificateAdvice(for url: URL) -> String {
        let authority = Self.authority(of: url)
        let root = trust.certsDirectories.first ?? "/etc/containers/certs.d"
        return "\(authority) asks for a client certificate: put it and its key in \(root)/\(authority)/client.cert and client.key"
            + " (or under /etc/containers/certs.d or /etc/docker/certs.d)"
    }
}

/// How one request is made: through which proxy (nil: directly) and with
/// which TLS trust, for the host and for an HTTPS proxy.
struct ConnectionRoute: Sendable, Equatable {
    var proxy: String?
    var trust = HostTrust()
    var proxyTrust: HostTrust?
}
