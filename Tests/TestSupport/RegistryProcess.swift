import Foundation
import Synchronization

/// A real docker-registry (CNCF distribution 2.8) on a free 127.0.0.1 port,
/// with filesystem storage in a fresh temporary directory.
///
/// `init` returns once `GET /v2/` answers; `stop()` (also run on deinit)
/// ends it, and deinit removes the directory. Fill it over HTTP or, faster,
/// with `ModelSeeder.write(_:to: storageRoot, …)`.
public final class RegistryProcess: Sendable {
    /// How clients must authenticate.
    public enum Auth: Sendable {
        /// Anyone may pull and push.
        case none
        /// HTTP basic auth against a bcrypt htpasswd file holding one user.
        case htpasswd(user: String, password: String)
        /// Bearer tokens from `TokenService`, whose certificate it trusts.
        case token(TokenService)
        /// Bearer tokens from `TokenService`, whose certificate it trusts,
        /// with clients sent to `realm` (a front that answers for it).
        case tokenAt(TokenService, realm: URL)
    }

    /// How long `init` waits for the registry to answer.
    static let startTimeout: TimeInterval = 10

    /// The port it listens on.
    public let port: Int
    /// The fresh directory holding config, log, htpasswd and storage.
    public let directory: URL
    /// The storage driver's `rootdirectory`.
    public let storageRoot: URL
    let logFile: URL
    let process: Mutex<Process?>

    /// Starts a registry with `auth` on `address` (`127.0.0.1`, or `::1`
    /// for one reached only over IPv6) and waits until it answers. Its
    /// storage is `storage` (kept when it stops) or a fresh directory.
    /// With `pullThrough`, it is a pull-through cache of that registry
    /// (with the credentials it uses there), which serves reads only; with
    /// `blobRedirect`, blob GETs are answered 307 to that origin with the
    /// blob file's path in the storage.
    public init(auth: Auth = .none, address: String = "127.0.0.1",
                pullThrough: (remote: URL, user: String?, password: String?)? = nil,
                storage: URL? = nil, blobRedirect: URL? = nil) throws {
        let directory = try TemporaryDirectory.make(prefix: "modelget-registry")
        let storageRoot = storage ?? directory.appendingPathComponent("storage", isDirectory: true)
        let logFile = directory.appendingPathComponent("registry.log")
        do {
            try FileManager.default.createDirectory(at: storageRoot, withIntermediateDirectories: true)
            let (process, port) = try Self.start(
                auth: try Self.authSection(auth, in: directory), address: address, pullThrough: pullThrough,
                blobRedirect: blobRedirect, storageRoot: storageRoot, in: directory, log: logFile)
            self.process = Mutex(process)
            self.port = port
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
        self.directory = directory
        self.storageRoot = storageRoot
        self.logFile = logFile
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// `127.0.0.1:PORT`, as a registry reference's host.
    public var host: String {
        "127.0.0.1:\(port)"
    }

    /// Sends SIGTERM and waits for the registry to exit (SIGKILL after 5 s).
    /// Safe to call more than once.
    public func stop() {
        guard let running = process.withLock({ $0.take() }) else { return }
        Self.end(running)
    }

    /// The last lines of the registry's log (warnings and errors only).
    public func logTail() -> String {
        Self.tail(of: logFile)
    }

    private static func authSection(_ auth: Auth, in directory: URL) throws -> RegistryConfiguration.AuthSection? {
        switch auth {
        case .none:
            return nil
        case let .htpasswd(user, password):
            let file = directory.appendingPathComponent("htpasswd")
            try Command.run("htpasswd", ["-Bbn", user, password]).write(to: file, atomically: true, encoding: .utf8)
            return .htpasswd(file: file)
        case let .token(tokens):
            return .token(
                realm: tokens.realm, service: tokens.service, issuer: tokens.issuer,
                rootCertBundle: tokens.rootCertBundle)
        case let .tokenAt(tokens, realm):
            return .token(realm: realm, service: tokens.service, issuer: tokens.issuer, rootCertBundle: tokens.rootCertBundle)
        }
    }

    /// Launches on a free port and waits for it. The port is free when
    /// picked but could be taken before the registry binds it; a lost race
    /// shows as an early exit, so that is retried.
    private static func start(
        auth: RegistryConfiguration.AuthSection?, address: String, pullThrough: (remote: URL, user: String?, password: String?)?,
        blobRedirect: URL?, storageRoot: URL, in directory: URL, log: URL
    ) throws -> (Process, Int) {
        let ipv6 = address.contains(":")
        for attempt in 1...3 {
            var configuration = RegistryConfiguration(storageRoot: storageRoot,
                                                      port: ipv6 ? try IPv6Loopback.freePort() : try LoopbackSocket.freePort())
            configuration.address = address
            configuration.pullThrough = pullThrough
            configuration.auth = auth
            configuration.blobRedirect = blobRedirect
            let process = try launch(configuration, in: directory, log: log)
            if waitUntilReady(process, port: configuration.port, ipv6: ipv6) {
                return (process, configuration.port)
            }
            let exitedEarly = !process.isRunning
            end(process)
            if !exitedEarly || attempt == 3 { break }
        }
        throw TestSupportError.registryNotReady(log: tail(of: log))
    }

    private static func launch(_ configuration: RegistryConfiguration, in directory: URL, log: URL) throws -> Process {
        let configFile = directory.appendingPathComponent("config.yml")
        try configuration.yaml.write(to: configFile, atomically: true, encoding: .utf8)
        if !FileManager.default.fileExists(atPath: log.path) {
            _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        }
        return try run(configFile, log: log)
    }

    /// Runs `docker-registry serve configFile`, its output appended to `log`.
    static func run(_ configFile: URL, log: URL) throws -> Process {
        let output = try FileHandle(forWritingTo: log)
        defer { try? output.close() }
        try output.seekToEnd()
        let process = Process()
        process.executableURL = try Command.locate("docker-registry")
        process.arguments = ["serve", configFile.path]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = output
        try process.run()
        return process
    }

    /// Polls `GET /v2/` until it answers 200 or 401 (on IPv6: until the
    /// port accepts connections), the process exits, or `startTimeout` passes.
    static func waitUntilReady(_ process: Process, port: Int, ipv6: Bool = false) -> Bool {
        let deadline = Date().addingTimeInterval(startTimeout)
        while Date() < deadline && process.isRunning {
            if ipv6 ? IPv6Loopback.isListening(port: port) : HTTPProbe.status(port: port, path: "/v2/").map({ $0 == 200 || $0 == 401 }) ?? false {
                return true
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return false
    }

    static func end(_ process: Process) {
        if process.isRunning {
            process.terminate()
            // A frozen registry (SIGSTOP) acts on SIGTERM only once it runs.
            kill(process.processIdentifier, SIGCONT)
        }
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.02)
        }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
        }
        process.waitUntilExit()
    }

    private static func tail(of file: URL, lines: Int = 40) -> String {
        guard let data = try? Data(contentsOf: file) else { return "(no log at \(file.path))" }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").suffix(lines).joined(separator: "\n")
    }
}
