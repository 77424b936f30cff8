import Foundation
import TestSupport
import XCTest

/// Credentials found where docker, podman and skopeo keep them, against a
/// real docker-registry with htpasswd auth: a real `docker-credential-pass`
/// helper (GnuPG and pass stores made by the test), podman's `auth.json`
/// in its three places and order, and `login` / `logout` writing where
/// docker would.
final class CredentialSourcesTests: XCTestCase {
    private var cli: CLIHarness!
    private var registry: RegistryProcess!
    private var home: URL!
    private var environment: [String: String] = [:]

    override func setUpWithError() throws {
        cli = try CLIHarness()
        registry = try RegistryProcess(auth: .htpasswd(user: "alice", password: "s3cret"))
        _ = try CLIHarness.seed(registry, "team/tiny", tag: "v1", sizes: [30_000, 200], seed: 41, in: cli.scratch)
        home = cli.scratch.appendingPathComponent("home")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        // Every place credentials could come from points into the scratch directory.
        environment = ["HOME": home.path, "DOCKER_CONFIG": home.path + "/.docker", "XDG_RUNTIME_DIR": cli.scratch.path + "/run",
                       "REGISTRY_AUTH_FILE": "", "MODELGET_OLLAMA_KEY": ""]
    }

    override func tearDown() {
        if let gnupg = environment["GNUPGHOME"] { _ = try? Command.run("gpgconf", ["--homedir", gnupg, "--kill", "gpg-agent"]) }
        registry.stop()
        cli.cleanUp()
    }

    private func pull(_ extra: [String: String] = [:]) throws -> (status: Int32, out: Data, err: String) {
        try cli.run(["pull", "\(registry.host)/team/tiny:v1", "--insecure"], environment: environment.merging(extra) { $1 })
    }

    private func write(_ json: String, to path: String) throws {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(json.utf8).write(to: URL(fileURLWithPath: path))
    }

    private func auth(_ user: String, _ password: String) -> String {
        #"{"auths":{"\#(registry.host)":{"auth":"\#(Data("\(user):\(password)".utf8).base64EncodedString())"}}}"#
    }

    func testMissingCredentialsSayWhereTheyWereLookedFor() throws {
        let run = try pull()
        XCTAssertEqual(run.status, 1)
        for place in ["$MODELGET_USERNAME (unset)", "$REGISTRY_AUTH_FILE (unset)", "/run/containers/auth.json (no such file)",
                      "~/.config/containers/auth.json (no such file)", "~/.docker/config.json (no such file)",
                      "run modelget login \(registry.host)"] {
            XCTAssertTrue(run.err.contains(place), "\(place) in: \(run.err)")
        }
        XCTAssertFalse(run.err.contains("docker login"), run.err)
    }

    func testAuthJSONIsReadInPodmansOrder() throws {
        let xdg = cli.scratch.path + "/run/containers/auth.json"
        let user = home.path + "/.config/containers/auth.json"
        let explicit = cli.scratch.path + "/explicit-auth.json"
        try write(auth("alice", "s3cret"), to: user)
        XCTAssertEqual(try pull().status, 0, "~/.config/containers/auth.json is read")
        try FileManager.default.removeItem(at: cli.models.appendingPathComponent("manifests"))

        // $XDG_RUNTIME_DIR's file comes before it: a wrong password there is what is sent.
        try write(auth("alice", "wrong"), to: xdg)
        var run = try pull()
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.err.contains("user alice was refused"), run.err)

        // $REGISTRY_AUTH_FILE comes first of all.
        try write(auth("alice", "s3cret"), to: explicit)
        run = try pull(["REGISTRY_AUTH_FILE": explicit])
        XCTAssertEqual(run.status, 0, run.err)
    }

    func testLoginWritesDockersConfigAndPullUsesItAndLogoutRemovesIt() throws {
        var run = try cli.run(["login", registry.host, "--insecure", "-u", "alice", "--password-stdin"],
                              environment: environment, input: Data("wrong\n".utf8))
        XCTAssertEqual(run.status, 1, "a refused password is not saved: \(run.err)")
        let config = home.appendingPathComponent(".docker/config.json")
        XCTAssertFalse(FileManager.default.fileExists(atPath: config.path))

        run = try cli.run(["login", registry.host, "--insecure", "-u", "alice", "--password-stdin"],
                          environment: environment, input: Data("s3cret\n".utf8))
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertTrue(run.out.text.contains("Login Succeeded"), run.out.text)
        let saved = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: config)) as? [String: Any])
        let entry = (saved["auths"] as? [String: Any])?[registry.host] as? [String: String]
        XCTAssertEqual(entry?["auth"], Data("alice:s3cret".utf8).base64EncodedString(), "as docker login writes it")
        let mode = try FileManager.default.attributesOfItem(atPath: config.path)[.posixPermissions] as? Int
        XCTAssertEqual(mode, 0o600)
        XCTAssertEqual(try pull().status, 0)

        run = try cli.run(["logout", registry.host], environment: environment)
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertTrue(run.out.text.contains("Removing login credentials for \(registry.host)"), run.out.text)
        try FileManager.default.removeItem(at: cli.models.appendingPathComponent("manifests"))
        XCTAssertEqual(try pull().status, 1, "logged out")
    }

    /// docker-credential-pass, from Debian's golang-docker-credential-helpers, with a pass store under a throwaway GnuPG home.
    func testDockerCredsStoreHelperIsUsedForLoginAndPull() throws {
        let gnupg = cli.scratch.appendingPathComponent("gnupg")
        try FileManager.default.createDirectory(at: gnupg, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        environment["GNUPGHOME"] = gnupg.path
        environment["PASSWORD_STORE_DIR"] = cli.scratch.path + "/pass"
        var gpgEnvironment = ProcessInfo.processInfo.environment
        gpgEnvironment.merge(environment) { $1 }
        _ = try Command.run("gpg", ["--batch", "--passphrase", "", "--quick-gen-key", "modelget test <test@example.invalid>",
                                    "default", "default", "never"], environment: gpgEnvironment)
        _ = try Command.run("pass", ["init", "test@example.invalid"], environment: gpgEnvironment)
        try write(#"{"credsStore":"pass"}"#, to: home.path + "/.docker/config.json")

        var run = try cli.run(["login", registry.host, "--insecure", "-u", "alice", "--password-stdin"],
                              environment: environment, input: Data("s3cret".utf8))
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertTrue(run.out.text.contains("saved in docker-credential-pass"), run.out.text)
        let config = try String(contentsOfFile: home.path + "/.docker/config.json", encoding: .utf8)
        XCTAssertFalse(config.contains(Data("alice:s3cret".utf8).base64EncodedString()), "no password in the file: \(config)")
        XCTAssertFalse(config.contains("s3cret"), config)
        let listed = try Command.run("docker-credential-pass", ["list"], environment: gpgEnvironment)
        XCTAssertTrue(listed.contains(registry.host), listed)

        run = try pull()
        XCTAssertEqual(run.status, 0, "pull finds the helper's credentials: \(run.err)")

        // A host of its own in credHelpers wins over credsStore.
        try write(#"{"credsStore":"pass","credHelpers":{"\#(registry.host)":"missing-helper"}}"#, to: home.path + "/.docker/config.json")
        try FileManager.default.removeItem(at: cli.models.appendingPathComponent("manifests"))
        run = try pull()
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.err.contains("docker-credential-missing-helper is not on PATH"), run.err)

        try write(#"{"credsStore":"pass"}"#, to: home.path + "/.docker/config.json")
        run = try cli.run(["logout", registry.host], environment: environment)
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertFalse(try Command.run("docker-credential-pass", ["list"], environment: gpgEnvironment).contains(registry.host))
        run = try pull()
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.err.contains("docker-credential-pass: no entry for \(registry.host)"), run.err)
    }
}
