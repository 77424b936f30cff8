import Foundation
import ModelGet

/// A registry the pull-through cache fetches from: `--upstream URL` (for
/// names that give no host) or `--upstream HOST=URL` (for names that start
/// with HOST). Models fetched from it are stored under `manifests/<host>/`,
/// where `modelget pull` would put them.
package struct Upstream: Sendable, Equatable {
    /// The host part of served names (and of the store's paths), as spelled.
    package let host: String
    /// Where requests go, e.g. `https://registry.ollama.ai`.
    package let url: URL
    /// True for `--upstream URL`: names without a host mean this one.
    package let isDefault: Bool

    /// Parses `URL` or `HOST=URL`; throws a usage error otherwise.
    package init(parsing text: String) throws {
        var hostPart: String?
        var urlText = text
        if let equals = text.firstIndex(of: "="), !text[..<equals].contains("/") {
            hostPart = String(text[..<equals])
            urlText = String(text[text.index(after: equals)...])
        }
        guard let url = URL(string: urlText), let scheme = url.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let urlHost = url.host, !urlHost.isEmpty, url.path.isEmpty || url.path == "/", url.query == nil else {
            throw ModelGetError.usage("--upstream wants URL or HOST=URL with an http(s)://host[:port] URL, not \"\(text)\"")
        }
        let host = hostPart ?? (urlHost + (url.port.map { ":\($0)" } ?? ""))
        guard ServedName.isValidHost(host) else { throw ModelGetError.usage("--upstream: \"\(host)\" is not a valid host") }
        self.host = host
        self.url = url
        self.isDefault = hostPart == nil
    }

    /// A client for it (plain HTTP only when the URL says `http://`), retrying per `retry`.
    func client(retry: RetryPolicy, stallTimeout: TimeInterval) throws -> RegistryClient {
        let scheme = url.scheme!.lowercased()
        let authority = url.host! + (url.port.map { ":\($0)" } ?? "")
        return try RegistryClient(host: authority, scheme: scheme, insecure: scheme == "http", stallTimeout: stallTimeout, retry: retry)
    }
}
