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
    public init(site: (Int, URL) -> String) throws {
        directory = try TemporaryDirectory.make(prefix: "modelget-nginx-site")
        do {
            try FileManager.default.createDirectory(at: directory.appendingPathComponent("tmp"), withIntermediateDirectories: true)
            var started: (Process, Int)?
            for _ in 1...3 where started == nil {
                let port = try LoopbackSocket.freePort()
                let prefix = directory.path
                // As root, nginx's workers would drop to nobody, who cannot read the temporary directories.
                let user = getuid() == 0 ? "user root root;" : ""
                let config = """
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
                    \(site(port, directory))
                    }

                    """
                let file = directory.appendingPathComponent("nginx.conf")
                try config.write(to: file, atomically: true, encoding: .utf8)
                let process = Process()
                let path = ["/usr/sbin/nginx", "/usr/bin/nginx"].first { FileManager.default.isExecutableFile(atPath: $0) }
                process.executableURL = try path.map(URL.init(fileURLWithPath:)) ?? Command.locate("nginx")
                process.arguments = ["-p", prefix, "-c", file.path, "-e", prefix + "/error.log"]
                process.standardInput = FileHandle.nullDevice
                process.standardOutput = FileHandle.nullDevice
                process.standardError = FileHandle.nullDevice
                try process.run()
                let deadline = Date().addingTimeInterval(10)
                while Date() < deadline && process.isRunning && started == nil {
                    if let socket = try? LoopbackSocket.connect(address: "127.0.0.1", port: port, timeout: 1) {
                        close(socket)
                        started = (process, port)
                    } else {
                        Thread.sleep(forTimeInterval: 0.05)
                    }
                }
                if started == nil { Self.end(process) }
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
        Self.end(running)
    }

    private static func end(_ process: Process) {
        if process.isRunning { process.terminate() }
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
