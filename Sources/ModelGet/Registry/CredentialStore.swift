import Foundation
import Synchronization

/// Finds credentials for a registry host where docker, podman and skopeo
/// keep them, and says where it looked. In order: `MODELGET_USERNAME` /
/// `MODELGET_PASSWORD`; then each credentials file in the order podman and
/// skopeo read them (`containers-auth.json(5)`): `$REGISTRY_AUTH_FILE`,
/// `$XDG_RUNTIME_DIR/containers/auth.json`,
/// `~/.config/containers/auth.json`, then docker's `config.json`
/// (`$DOCKER_CONFIG/config.json`, else `~/.docker/config.json`). In each
/// file, as docker does: the host's `credHelpers` helper, else the
/// `credsStore` helper (a `docker-credential-*` program), else its `auths`
/// entry. Also the key that signs token requests (see `keyPath(for:family:)`).
/// `login` and `logout` (`+Login`) write where docker would.
public struct CredentialStore: Sendable {
    private let environment: [String: String]
    private let explicit: Credentials?
    private let explicitKey: String?
    /// The credentials files, in the order they are read.
    let files: [String]
    /// Docker's `config.json`, the file `login` writes.
    let dockerConfigPath: String
    private let cache = Cache()

    /// `key` is the `--key FILE` option; without it `MODELGET_OLLAMA_KEY`
    /// names the key, if set. `explicit` credentials, when given, are the
    /// only ones used (`login` checks them before saving them).
    public init(environment: [String: String] = ProcessInfo.processInfo.environment, key: String? = nil,
                explicit: Credentials? = nil) {
        self.environment = environment
        self.explicit = explicit
        let home = Self.home(environment)
        dockerConfigPath = (environment["DOCKER_CONFIG"] ?? (home + "/.docker")) + "/config.json"
        var files: [String] = []
        if let file = environment["REGISTRY_AUTH_FILE"], !file.isEmpty { files.append(file) }
        if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty { files.append(runtime + "/containers/auth.json") }
        files.append(home + "/.config/containers/auth.json")
        files.append(dockerConfigPath)
        self.files = files
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
        lookup(host).credentials
    }

    /// Where `host`'s credentials were looked for, for the error that says
    /// none were found: `$MODELGET_USERNAME (unset), ~/.docker/config.json (no entry for host), …`.
    public func searched(for host: String) -> String {
        lookup(host).searched.joined(separator: ", ")
    }

    /// What a search for one host found, and where it looked.
    struct Lookup: Sendable {
        var credentials: Credentials?
        var searched: [String] = []
    }

    /// Searches once per host (a helper is a process to run).
    func lookup(_ host: String) -> Lookup {
        let host = Reference.canonicalHost(host)
        if let known = cache.entries.withLock({ $0[host] }) { return known }
        let found = search(host)
        cache.entries.withLock { $0[host] = found }
        return found
    }

    private func search(_ host: String) -> Lookup {
        if let explicit { return Lookup(credentials: explicit, searched: ["the credentials given"]) }
        var lookup = Lookup()
        if let user = environment["MODELGET_USERNAME"], let password = environment["MODELGET_PASSWORD"] {
            return Lookup(credentials: Credentials(username: user, password: password), searched: ["$MODELGET_USERNAME"])
        }
        lookup.searched.append("$MODELGET_USERNAME (unset)")
        if environment["REGISTRY_AUTH_FILE"].map({ $0.isEmpty }) ?? true { lookup.searched.append("$REGISTRY_AUTH_FILE (unset)") }
        for path in files {
            let file = AuthConfigFile(path: path)
            let shown = Self.shortened(path, home: Self.home(environment))
            guard file.exists else {
                lookup.searched.append("\(shown) (no such file)")
                continue
            }
            if let name = file.helper(for: host) {
                let helper = CredentialHelper(name: name, searchPath: environment["PATH"] ?? ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
                do {
                    if let found = try helper.get(host) {
                        lookup.credentials = found
                        lookup.searched.append("\(shown) (docker-credential-\(name))")
                        return lookup
                    }
                    lookup.searched.append("\(shown) (docker-credential-\(name): no entry for \(host))")
                } catch {
                    lookup.searched.append("\(shown) (\(error))")
                }
            }
            if let found = file.auths[host] {
                lookup.credentials = found
                lookup.searched.append(shown)
                return lookup
            }
            if file.helper(for: host) == nil { lookup.searched.append("\(shown) (no entry for \(host))") }
        }
        return lookup
    }

    /// `~/x` for a path under `home`.
    static func shortened(_ path: String, home: String) -> String {
        guard !home.isEmpty, home != "/", path.hasPrefix(home + "/") else { return path }
        return "~" + path.dropFirst(home.count)
    }

    static func home(_ environment: [String: String]) -> String {
        environment["HOME"] ?? NSHomeDirectory()
    }

    /// What searches found, shared by the copies of a store.
    private final class Cache: Sendable {
        let entries = Mutex<[String: Lookup]>([:])
    }
}
