import ArgumentParser
import Foundation
import ModelGet

/// `modelget login HOST`: checks credentials against the registry and
/// saves them where `docker login` would.
struct Login: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Log in to a registry: check a user name and password, and save them where docker login would.",
        discussion: Examples.text([
            "echo \"$TOKEN\" | modelget login ghcr.io -u alice --password-stdin",
            "modelget login 127.0.0.1:5000 --insecure -u alice",
        ], before: "Saved in the credential helper docker's config names for HOST (credHelpers, else credsStore), else in the auths of $DOCKER_CONFIG/config.json (~/.docker/config.json). pull, push, copy and the others find them there, as they find podman's auth.json."))

    @Argument(help: ArgumentHelp("The registry, host[:port].", valueName: "host")) var host: String
    @Option(name: .shortAndLong, help: ArgumentHelp("The user name (default: asked on the terminal).", valueName: "name"))
    var username: String?
    @Flag(name: .long, help: "Read the password (or token) from standard input.") var passwordStdin = false
    @OptionGroup var access: InsecureOption
    @OptionGroup var verbosity: OutputFlags

    func validate() throws {
        try Login.checkHost(host)
        if passwordStdin && username == nil { throw ValidationError("--password-stdin needs --username") }
    }

    /// A registry host[:port], without a scheme or path.
    static func checkHost(_ host: String) throws {
        let reference: Reference
        do { reference = try Reference(parsing: host + "/x/y") } catch { throw ValidationError("\"\(host)\" is not a registry host: \(error)") }
        guard reference.host == Reference.canonicalHost(host) || reference.host == host else {
            throw ValidationError("\"\(host)\" is not a registry host (want host[:port])")
        }
    }

    func run() async throws {
        verbosity.apply()
        let user = try username ?? Prompt.line("Username: ")
        let password = try passwordStdin ? Prompt.standardInput() : Prompt.secret("Password: ")
        guard !user.isEmpty, !password.isEmpty else { throw ModelGetError.usage("login needs a user name and a password") }
        let credentials = Credentials(username: user, password: password)
        let reference = try Reference(parsing: host + "/x/y")
        let client = try await RegistryClient.connect(to: reference, insecure: access.insecure,
                                                      credentials: CredentialStore(explicit: credentials))
        try await client.checkCredentials()
        switch try CredentialStore().login(credentials, for: reference.host) {
        case let .helper(name, _):
            print("Login Succeeded (saved in docker-credential-\(name))")
        case let .file(path):
            print("Login Succeeded (saved in \(path), unencrypted; configure a credential helper to keep it elsewhere)")
        }
    }
}

/// `modelget logout HOST`: removes what `login` saved.
struct Logout: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Log out of a registry: remove the credentials login saved.",
        discussion: Examples.text(["modelget logout ghcr.io"]))

    @Argument(help: ArgumentHelp("The registry, host[:port].", valueName: "host")) var host: String

    func validate() throws { try Login.checkHost(host) }

    func run() throws {
        let store = CredentialStore()
        let canonical = Reference.canonicalHost(host)
        let removed = try store.logout(canonical)
        print(removed ? "Removing login credentials for \(canonical)" : "Not logged in to \(canonical)")
        for file in store.otherFiles(holding: canonical) {
            Terminal.printError("modelget: \(file) still holds credentials for \(canonical) (podman logout \(canonical) removes them)")
        }
    }
}
