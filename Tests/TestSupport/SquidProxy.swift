import Foundation
import Synchronization

/// Debian's squid as a forward proxy on a free 127.0.0.1 port: no cache,
/// every request in its access log, optionally basic auth (one user, in
/// an htpasswd file its `basic_ncsa_auth` helper reads), and names only
/// it can resolve (its own `hosts_file`), so a client that reaches such a
/// name did so through the proxy.
///
/// squid runs as a child process (`-N`, no daemon) with its config, logs
/// and pid file in a temporary directory; `stop()` (or deinit) ends it.
public final class SquidProxy: Sendable {
    /// The port it listens on.
    public let port: Int
    private let directory: URL
    private let process: Mutex<Process?>

    /// Starts squid; `hosts` maps names only the proxy resolves to addresses.
    public init(user: (name: String, password: String)? = nil, hosts: [String: String] = [:]) throws {
        directory = try TemporaryDirectory.make(prefix: "modelget-squid")
        do {
            let hostsFile = directory.appendingPathComponent("hosts")
            try hosts.map { "\($0.value) \($0.key)\n" }.joined().write(to: hostsFile, atomically: true, encoding: .utf8)
            var auth = ""
            if let user {
                let passwords = directory.appendingPathComponent("passwords")
                // basic_ncsa_auth reads crypt and MD5 ($apr1$) hashes, not bcrypt.
                try Command.run("htpasswd", ["-mbn", user.name, user.password]).write(to: passwords, atomically: true, encoding: .utf8)
                auth = """
                    auth_param basic program /usr/lib/squid/basic_ncsa_auth \(passwords.path)
                    auth_param basic realm modelget-test-proxy
                    acl authenticated proxy_auth REQUIRED
                    http_access allow authenticated
                    http_access deny all

                    """
            }
            var started: (Process, Int)?
            for _ in 1...3 where started == nil {
                let port = try LoopbackSocket.freePort()
                let config = directory.appendingPathComponent("squid.conf")
                try Self.config(directory: directory, port: port, hostsFile: hostsFile, auth: auth)
                    .write(to: config, atomically: true, encoding: .utf8)
                // As root, squid drops to its own user, which must write the logs.
                if getuid() == 0 { try Command.run("chown", ["-R", "proxy:proxy", directory.path]) }
                let process = try ChildProcess.launch("squid", ["-N", "-f", config.path])
                if ChildProcess.wait(for: process, timeout: 15, until: { HTTPProbe.status(port: port, path: "/") != nil }) {
                    started = (process, port)
                } else {
                    ChildProcess.end(process)
                }
            }
            guard let (process, port) = started else {
                throw TestSupportError.commandFailed(command: "squid", status: 1, output: Self.tail(directory.appendingPathComponent("cache.log")))
            }
            self.process = Mutex(process)
            self.port = port
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// `http://127.0.0.1:PORT`, with `user:password@` when given.
    public func url(user: String? = nil, password: String? = nil) -> String {
        let credentials = user.map { "\($0):\(password ?? "")@" } ?? ""
        return "http://\(credentials)127.0.0.1:\(port)"
    }

    /// The access log: one line per request (per tunnel for `CONNECT`),
    /// as squid's native format writes it: time, elapsed, client,
    /// result/status, bytes, method, URL, user, hierarchy, type; without
    /// the request `init` sent to see that squid answers.
    public var accessLog: [AccessEntry] {
        let text = (try? String(contentsOf: directory.appendingPathComponent("access.log"), encoding: .utf8)) ?? ""
        // Less the readiness probe's "GET /", which names no host.
        return text.split(separator: "\n").compactMap(AccessEntry.init).filter { $0.url != "/" }
    }

    /// One access log line.
    public struct AccessEntry: Sendable, CustomStringConvertible {
        /// `TCP_MISS/200`, `TCP_TUNNEL/200`, `TCP_DENIED/407`…
        public let result: String
        public let method: String
        /// The absolute URL, or `host:port` for `CONNECT`.
        public let url: String
        /// The proxy user, `-` when none.
        public let user: String

        init?(_ line: Substring) {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 8 else { return nil }
            result = String(fields[3])
            method = String(fields[5])
            url = String(fields[6])
            user = String(fields[7])
        }

        public var description: String { "\(result) \(method) \(url) \(user)" }
    }

    /// Ends squid. Safe to call more than once.
    public func stop() {
        guard let running = process.withLock({ $0.take() }) else { return }
        ChildProcess.end(running)
    }

    static func config(directory: URL, port: Int, hostsFile: URL, auth: String) -> String {
        let prefix = directory.path
        return """
            http_port 127.0.0.1:\(port)
            pid_filename \(prefix)/squid.pid
            access_log stdio:\(prefix)/access.log
            cache_log \(prefix)/cache.log
            cache_store_log none
            netdb_filename none
            coredump_dir \(prefix)
            hosts_file \(hostsFile.path)
            cache deny all
            cache_mem 8 MB
            shutdown_lifetime 0 seconds
            pinger_enable off
            \(auth)http_access allow all

            """
    }

    private static func tail(_ file: URL) -> String {
        let text = (try? String(contentsOf: file, encoding: .utf8)) ?? "(no squid log)"
        return text.split(separator: "\n").suffix(20).joined(separator: "\n")
    }
}
