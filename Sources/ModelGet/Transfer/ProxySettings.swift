import Foundation

/// Which proxy each request goes through, decided per URL (so a redirect
/// to a CDN is decided for the CDN's host, not the registry's).
///
/// From the environment as curl reads it, but in either case for every
/// variable: `https_proxy`/`HTTPS_PROXY` for `https://` URLs,
/// `http_proxy`/`HTTP_PROXY` for `http://` ones, else
/// `all_proxy`/`ALL_PROXY`; the lower-case one wins when both are set
/// (curl's order), and an empty one counts as unset. `HTTP_PROXY` in capitals is ignored when
/// `REQUEST_METHOD` is set, as Go's net/http does: a CGI program would
/// take it from a request's `Proxy:` header. `--proxy URL` replaces them
/// all (an empty one: no proxy). `no_proxy`/`NO_PROXY` applies either way.
/// A proxy URL without a scheme is `http://`; `https://`, `socks4://`,
/// `socks4a://`, `socks5://` and `socks5h://` are accepted too;
/// credentials go in it (`http://user:password@proxy:3128`, percent-encoded)
/// and are never printed. HTTPS requests go through an HTTP proxy with
/// `CONNECT`, so the proxy sees the host and port, not the requests.
package struct ProxySettings: Sendable, Equatable {
    /// The proxy for `https://` URLs, if any.
    package var httpsProxy: String?
    /// The proxy for `http://` URLs, if any.
    package var httpProxy: String?
    /// The hosts reached directly.
    package var noProxy: NoProxyList

    /// No proxy at all.
    package static let direct = ProxySettings(httpsProxy: nil, httpProxy: nil, noProxy: NoProxyList(""))

    package init(httpsProxy: String?, httpProxy: String?, noProxy: NoProxyList) {
        self.httpsProxy = httpsProxy
        self.httpProxy = httpProxy
        self.noProxy = noProxy
    }

    /// The settings `environment` gives, or `proxy` (`--proxy`) for every
    /// URL when given. Throws a usage error for a proxy URL modelget cannot use.
    package init(environment: [String: String] = ProcessInfo.processInfo.environment, proxy: String? = nil) throws {
        func variable(_ name: String, upperCase: Bool = true) -> String? {
            let names = upperCase ? [name.lowercased(), name.uppercased()] : [name.lowercased()]
            return names.lazy.compactMap { environment[$0] }.first { !$0.isEmpty }
        }
        if let proxy {
            let chosen = proxy.isEmpty ? nil : try Self.checked(proxy, from: "--proxy")
            httpsProxy = chosen
            httpProxy = chosen
        } else {
            let all = try variable("ALL_PROXY").map { try Self.checked($0, from: "ALL_PROXY") }
            httpsProxy = try variable("HTTPS_PROXY").map { try Self.checked($0, from: "HTTPS_PROXY") } ?? all
            let cgi = environment["REQUEST_METHOD"] != nil
            httpProxy = try variable("HTTP_PROXY", upperCase: !cgi).map { try Self.checked($0, from: "HTTP_PROXY") } ?? all
        }
        noProxy = NoProxyList(variable("NO_PROXY") ?? "")
    }

    /// The proxy URL for a request to `url`, or nil to go straight there.
    package func proxy(for url: URL) -> String? {
        let chosen = url.scheme?.lowercased() == "https" ? httpsProxy : httpProxy
        guard let chosen, let host = url.host, !noProxy.bypasses(host) else { return nil }
        return chosen
    }

    /// The schemes libcurl can reach a proxy with.
    static let schemes: Set<String> = ["http", "https", "socks4", "socks4a", "socks5", "socks5h"]

    /// `text` as a proxy URL with its scheme spelled out; a usage error,
    /// naming where it came from but not its credentials, when it is not one.
    static func checked(_ text: String, from source: String) throws -> String {
        let spelled = text.contains("://") ? text : "http://" + text
        guard let url = URL(string: spelled), let scheme = url.scheme?.lowercased(), schemes.contains(scheme),
              let host = url.host, !host.isEmpty, url.query == nil, !spelled.utf8.contains(where: { $0 <= 0x20 || $0 == 0x7F }) else {
            throw ModelGetError.usage("\(source): \"\(URLRedaction.redact(spelled))\" is not a proxy URL "
                + "(want [http|https|socks5h|socks5|socks4a|socks4://][user:password@]host:port)")
        }
        return spelled
    }
}
