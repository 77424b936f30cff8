import Foundation

extension CredentialStore {
    /// Where `login` put credentials.
    public enum Saved: Sendable, Equatable {
        /// In a `docker-credential-<name>` helper (docker's config names it).
        case helper(name: String, config: String)
        /// Base64 in the `auths` of docker's config file at this path.
        case file(String)
    }

    /// Saves `credentials` for `host` where `docker login` would: the
    /// helper docker's config names for the host (`credHelpers`, else
    /// `credsStore`), with an empty `auths` entry marking the host as
    /// docker does; else base64 in `auths` of that file (created 0600).
    public func login(_ credentials: Credentials, for host: String) throws -> Saved {
        let host = Reference.canonicalHost(host)
        var config = try readDockerConfig()
        var auths = config["auths"] as? [String: Any] ?? [:]
        for key in auths.keys where AuthConfigFile.host(key) == host { auths[key] = nil }
        let saved: Saved
        if let name = AuthConfigFile(path: dockerConfigPath).helper(for: host) {
            try helper(name).store(credentials, for: host)
            auths[CredentialHelper.serverURL(for: host)] = [String: Any]()
            saved = .helper(name: name, config: dockerConfigPath)
        } else {
            let encoded = Data("\(credentials.username):\(credentials.password)".utf8).base64EncodedString()
            auths[CredentialHelper.serverURL(for: host)] = ["auth": encoded]
            saved = .file(dockerConfigPath)
        }
        config["auths"] = auths
        try writeDockerConfig(config)
        return saved
    }

    /// Removes `host`'s credentials from where `login` saves them (its
    /// helper and docker's config); true when there were any.
    public func logout(_ host: String) throws -> Bool {
        let host = Reference.canonicalHost(host)
        var config = try readDockerConfig()
        var removed = false
        if let name = AuthConfigFile(path: dockerConfigPath).helper(for: host) {
            removed = try helper(name).erase(host)
        }
        var auths = config["auths"] as? [String: Any] ?? [:]
        for key in auths.keys where AuthConfigFile.host(key) == host {
            auths[key] = nil
            removed = true
        }
        guard removed else { return false }
        config["auths"] = auths
        try writeDockerConfig(config)
        return true
    }

    /// The other files that still hold credentials for `host` (a podman
    /// `auth.json`), which `logout` leaves alone as docker does.
    public func otherFiles(holding host: String) -> [String] {
        let host = Reference.canonicalHost(host)
        return files.filter { $0 != dockerConfigPath && AuthConfigFile(path: $0).auths[host] != nil }
    }

    private func helper(_ name: String) -> CredentialHelper {
        CredentialHelper(name: name, searchPath: ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
    }

    private func readDockerConfig() throws -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: dockerConfigPath) else { return [:] }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ModelGetError.fileSystem(path: dockerConfigPath, reason: "not a JSON object; fix or move it, nothing was changed")
        }
        return object
    }

    private func writeDockerConfig(_ config: [String: Any]) throws {
        let directory = (dockerConfigPath as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            let data = try JSONSerialization.data(withJSONObject: config, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
            let temporary = directory + "/.config.json.tmp-\(getpid())"
            guard FileManager.default.createFile(atPath: temporary, contents: data + Data("\n".utf8), attributes: [.posixPermissions: 0o600]) else {
                throw ModelGetError.fileSystem(path: temporary, reason: "cannot write")
            }
            guard rename(temporary, dockerConfigPath) == 0 else {
                let reason = String(cString: strerror(errno))
                unlink(temporary)
                throw ModelGetError.fileSystem(path: dockerConfigPath, reason: reason)
            }
        } catch let error as ModelGetError {
            throw error
        } catch {
            throw ModelGetError.fileSystem(path: dockerConfigPath, reason: error.localizedDescription)
        }
    }
}
