import Foundation

/// One credentials file in the format docker's `config.json` and the
/// containers tools' `auth.json` share: `auths` (host → base64
/// `user:password`, or `username`/`password`, or `identitytoken`),
/// `credHelpers` (host → helper name) and `credsStore` (the helper for
/// every other host). Keys are reduced to `host[:port]` (docker writes
/// `https://index.docker.io/v1/` for Docker Hub, podman may add a path).
struct AuthConfigFile: Sendable {
    let path: String
    /// False when there is no such file.
    let exists: Bool
    let auths: [String: Credentials]
    let credHelpers: [String: String]
    let credsStore: String?

    /// Reads `path`; a missing or unreadable file has nothing in it.
    init(path: String) {
        self.path = path
        struct Config: Decodable {
            struct Entry: Decodable {
                var auth: String?
                var username: String?
                var password: String?
                var identitytoken: String?
            }
            var auths: [String: Entry]?
            var credHelpers: [String: String]?
            var credsStore: String?
        }
        let data = FileManager.default.contents(atPath: path)
        exists = data != nil
        let config = data.flatMap { try? JSONDecoder().decode(Config.self, from: $0) }
        var auths: [String: Credentials] = [:]
        for (key, entry) in config?.auths ?? [:] {
            var credentials: Credentials?
            if let auth = entry.auth, let decoded = Data(base64Encoded: auth),
               let text = String(data: decoded, encoding: .utf8), let colon = text.firstIndex(of: ":") {
                credentials = Credentials(username: String(text[..<colon]), password: String(text[text.index(after: colon)...]))
            } else if let user = entry.username, let password = entry.password {
                credentials = Credentials(username: user, password: password)
            }
            // The first entry for a host wins (a host-wide one over a path-scoped one when both exist).
            if let credentials, auths[Self.host(key)] == nil || !key.contains("/") { auths[Self.host(key)] = credentials }
        }
        self.auths = auths
        credHelpers = Dictionary((config?.credHelpers ?? [:]).map { (Self.host($0.key), $0.value) }) { first, _ in first }
        credsStore = config?.credsStore.flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The helper that holds `host`'s credentials here, if any: its own
    /// (`credHelpers`), else the store's (`credsStore`).
    func helper(for host: String) -> String? {
        credHelpers[host] ?? credsStore
    }

    /// `host[:port]` of a key: without scheme, path or Docker Hub's aliases.
    static func host(_ key: String) -> String {
        var host = Substring(key)
        if let range = host.range(of: "://") { host = host[range.upperBound...] }
        if let slash = host.firstIndex(of: "/") { host = host[..<slash] }
        return Reference.canonicalHost(String(host))
    }
}
