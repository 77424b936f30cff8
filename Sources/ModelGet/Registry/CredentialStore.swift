import Foundation

/// Finds credentials for a registry host: `MODELGET_USERNAME` /
/// `MODELGET_PASSWORD` first, then the `auths` entries of Docker's
/// `config.json` (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`);
/// and the key that signs token requests (see `keyPath(for:family:)`).
public struct CredentialStore: Sendable {
    private let environment: [String: String]
    private let dockerAuths: [String: Credentials]
    private let explicitKey: String?

    /// `key` is the `--key FILE` option; without it `MODELGET_OLLAMA_KEY` names the key, if set.
    public init(environment: [String: String] = ProcessInfo.processInfo.environment, key: String? = nil) {
        self.environment = environment
        let directory = environment["DOCKER_CONFIG"]
            ?? ((environment["HOME"] ?? NSHomeDirectory()) + "/.docker")
        dockerAuths = CredentialStore.readDockerConfig(at: directory + "/config.json")
        explicitKey = key ?? environment["MODELGET_OLLAMA_KEY"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The OpenSSH key file that signs token requests for `host`: an
    /// explicit key (`--key`, `MODELGET_OLLAMA_KEY`) for any registry; else
    /// ollama's `~/.ollama/id_ed25519`, when it exists, for a member of
    /// `family` that has no other credentials configured.
    public func keyPath(for host: String, family: RegistryFamily = .ollama) -> String? {
        if let explicitKey { return explicitKey }
        let path = OllamaKey.defaultPath(environment: environment)
        guard family.contains(host), credentials(for: host) == nil, FileManager.default.fileExists(atPath: path) else { return nil }
        return path
    }

    /// Credentials for `host` (`name[:port]`), if any are configured.
    public func credentials(for host: String) -> Credentials? {
        if let user = environment["MODELGET_USERNAME"], let password = environment["MODELGET_PASSWORD"] {
            return Credentials(username: user, password: password)
        }
        if let found = dockerAuths[host] { return found }
        if host == "docker.io" || host == "registry-1.docker.io" || host == "index.docker.io" {
            return dockerAuths["index.docker.io"]
        }
        return nil
    }

    /// Reads `auths` from a Docker config file; keys are reduced to
    /// `host[:port]` (Docker writes both `host` and `https://host/v1/`).
    static func readDockerConfig(at path: String) -> [String: Credentials] {
        struct Config: Decodable {
            struct Entry: Decodable {
                var auth: String?
                var username: String?
                var password: String?
                var identitytoken: String?
            }
            var auths: [String: Entry]?
        }
        guard let data = FileManager.default.contents(atPath: path),
              let config = try? JSONDecoder().decode(Config.self, from: data) else { return [:] }
        var result: [String: Credentials] = [:]
        for (key, entry) in config.auths ?? [:] {
            var host = Substring(key)
            if let range = host.range(of: "://") { host = host[range.upperBound...] }
            if let slash = host.firstIndex(of: "/") { host = host[..<slash] }
            var credentials: Credentials?
            if let auth = entry.auth, let decoded = Data(base64Encoded: auth),
               let text = String(data: decoded, encoding: .utf8), let colon = text.firstIndex(of: ":") {
                credentials = Credentials(username: String(text[..<colon]), password: String(text[text.index(after: colon)...]))
            } else if let user = entry.username, let password = entry.password {
                credentials = Credentials(username: user, password: password)
            }
            if let credentials { result[String(host)] = credentials }
        }
        return result
    }
}
