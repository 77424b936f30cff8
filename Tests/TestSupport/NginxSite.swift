import Foundation
import Synchronization

/// Debian's nginx running a configuration a test gives: the directives
/// of its `http` block (a `server` listening on `port`, say), inside a
/// main configuration of the test's own (no daemon, pid, logs and
/// temporary paths in a temporary directory).
///
/// nginx runs as a child process; `stop()` (or deinit) ends it.
public final class NginxSite: Sendable {
    /// The free 127.0.0.1 port the site was given.
    public let port: Int
    /// The site's own directory (for its cache, say).
    public let directory: URL
    private let process: Mutex<Process?>

    /// Starts nginx with `site(port, directory)` as its `http` block's
    /// directives, and waits until `port` accepts connections.
    public init(site: (Int, URL) throws -> String) throws {
        directory = try TemporaryDirectory.make(prefix: "modelget-nginx-site")
        do {
            try FileManager.default.createDirectory(at: directory.appendingPathComponent("tmp"), withIntermediateDirectories: true)
            var started: (Process, Int)?
            for _ in 1...3 where started == nil {
                let port = try LoopbackSocket.freePort()
                let file = directory.appendingPathComponent("nginx.conf")
                try Self.config(prefix: directory.path, site: try site(port, directory)).write(to: file, atomically: true, encoding: .utf8)
                let process = try ChildProcess.launch("nginx", ["-p", directory.path, "-c", file.path, "-e", directory.path + "/error.log"])
                if ChildProcess.wait(for: process, timeout: 10, until: { ChildProcess.isListening(port: port) }) {
                    started = (process, port)
                } else {
                    ChildProcess.end(process)
                }
            }
            guard let (process, port) = started else {
                let log = (try? String(contentsOf: directory.appendingPathComponent("error.log"), encoding: .utf8)) ?? ""
                throw TestSupportError.commandFailed(command: "nginx", status: 1, output: log)
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

    /// `127.0.0.1:PORT`.
    public var host: String { "127.0.0.1:\(port)" }

    /// Ends nginx. Safe to call more than once.
    public func stop() {
        guard let running = process.withLock({ $0.take() }) else { return }
        ChildProcess.end(running)
    }

    private static func config(prefix: String, site: String) -> String {
        // As root, nginx's workers would drop to nobody, who cannot read the temporary directories.
        let user = getuid() == 0 ? "user root root;" : ""
        return """
            daemon off;
            \(user)
            worker_processes 1;
            pid \(prefix)/nginx.pid;
            error_log \(prefix)/error.log warn;
            events { worker_connections 256; }
            http {
                access_log off;
                client_body_temp_path \(prefix)/tmp/body;
                proxy_temp_path \(prefix)/tmp/proxy;
                fastcgi_temp_path \(prefix)/tmp/fastcgi;
                uwsgi_temp_path \(prefix)/tmp/uwsgi;
                scgi_temp_path \(prefix)/tmp/scgi;
            \(site)
            }

            """
    }
}
