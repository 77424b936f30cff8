import Foundation
import Synchronization

/// The shape of a real pull on loopback: Debian's nginx as an HTTPS CDN
/// speaking HTTP/2 (a self-signed certificate made by `openssl`) that
/// serves a registry's blob files, and as a plain-HTTP registry front that
/// answers blob GETs with 307 to the CDN and passes everything else to the
/// registry. The redirect points at a `TCPRelay` in front of the CDN, so a
/// test can cap each connection and count them.
///
/// nginx runs as a child process (`daemon off`) with its own prefix,
/// config and logs in a temporary directory; `stop()` (or deinit) ends it.
public final class NginxCDN: Sendable {
    /// The registry front's port: pull `127.0.0.1:PORT/<repository>`.
    public let frontPort: Int
    /// nginx's own HTTPS port (behind the relay).
    public let tlsPort: Int
    /// The relay the redirects point at.
    public let relay: TCPRelay
    private let directory: URL
    private let process: Mutex<Process?>

    /// Starts nginx for the registry on `registryPort` whose storage is
    /// `storageRoot`, with the relay shaping each CDN connection.
    public init(registryPort: Int, storageRoot: URL, shaping: TCPRelay.Shaping = TCPRelay.Shaping(),
                workers: Int = 1) throws {
        directory = try TemporaryDirectory.make(prefix: "modelget-nginx")
        do {
            try FileManager.default.createDirectory(at: directory.appendingPathComponent("tmp"), withIntermediateDirectories: true)
            try Command.run("openssl", [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                "-addext", "subjectAltName=IP:127.0.0.1",
                "-keyout", directory.appendingPathComponent("key.pem").path,
                "-out", directory.appendingPathComponent("cert.pem").path,
            ])
            var started: (Process, Int, Int, TCPRelay)?
            for _ in 1...3 where started == nil {
                let tls = try LoopbackSocket.freePort(), front = try LoopbackSocket.freePort()
                let relay = try TCPRelay(upstreamPort: tls, shaping: shaping)
                let config = Self.config(directory: directory, tlsPort: tls, frontPort: front, relayPort: relay.port,
                                         registryPort: registryPort, storageRoot: storageRoot, workers: workers)
                let file = directory.appendingPathComponent("nginx.conf")
                try config.write(to: file, atomically: true, encoding: .utf8)
                let process = try Self.launch(config: file, prefix: directory)
                if Self.waitUntilReady(process, port: front) {
                    started = (process, tls, front, relay)
                } else {
                    relay.stop()
                    Self.end(process)
                }
            }
            guard let (process, tls, front, relay) = started else {
                throw TestSupportError.commandFailed(command: "nginx", status: 1, output: Self.errorLog(directory))
            }
            self.process = Mutex(process)
            tlsPort = tls
            frontPort = front
            self.relay = relay
        } catch {
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(at: directory)
    }

    /// `127.0.0.1:PORT` of the registry front, as a reference's host.
    public var host: String { "127.0.0.1:\(frontPort)" }

    /// One line per CDN request: nginx's connection number, `r` when the
    /// TLS session was resumed (else `.`), and the protocol (`HTTP/2.0`).
    public var cdnLog: [String] {
        let text = (try? String(contentsOf: directory.appendingPathComponent("cdn.log"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init)
    }

    /// Ends nginx and the relay. Safe to call more than once.
    public func stop() {
        relay.stop()
        guard let running = process.withLock({ $0.take() }) else { return }
        Self.end(running)
    }

    static func config(directory: URL, tlsPort: Int, frontPort: Int, relayPort: Int, registryPort: Int,
                       storageRoot: URL, workers: Int) -> String {
        let prefix = directory.path
        let blobs = storageRoot.path + "/docker/registry/v2/blobs/sha256/"
        // As root, nginx's workers would drop to nobody, who cannot read the temporary directories.
        let user = getuid() == 0 ? "user root root;" : ""
        return """
            daemon off;
            \(user)
            worker_processes \(workers);
            pid \(prefix)/nginx.pid;
            error_log \(prefix)/error.log warn;
            events { worker_connections 1024; }
            http {
                access_log off;
                client_body_temp_path \(prefix)/tmp/body;
                proxy_temp_path \(prefix)/tmp/proxy;
                fastcgi_temp_path \(prefix)/tmp/fastcgi;
                uwsgi_temp_path \(prefix)/tmp/uwsgi;
                scgi_temp_path \(prefix)/tmp/scgi;
                sendfile on;
                keepalive_requests 100000;
                log_format reuse '$connection $ssl_session_reused $server_protocol';
                server {
                    listen 127.0.0.1:\(tlsPort) ssl http2;
                    access_log \(prefix)/cdn.log reuse;
                    ssl_certificate \(prefix)/cert.pem;
                    ssl_certificate_key \(prefix)/key.pem;
                    ssl_protocols TLSv1.2 TLSv1.3;
                    ssl_session_cache shared:CDN:4m;
                    location /cdn/ {
                        alias \(blobs);
                        default_type application/octet-stream;
                    }
                }
                server {
                    listen 127.0.0.1:\(frontPort);
                    client_max_body_size 0;
                    proxy_buffering off;
                    proxy_set_header Host $http_host;
                    location ~ "^/v2/.+/blobs/sha256:(?<pre>[0-9a-f]{2})(?<rest>[0-9a-f]{62})$" {
                        if ($request_method = GET) {
                            return 307 https://127.0.0.1:\(relayPort)/cdn/$pre/$pre$rest/data;
                        }
                        proxy_pass http://127.0.0.1:\(registryPort);
                    }
                    location / {
                        proxy_pass http://127.0.0.1:\(registryPort);
                    }
                }
            }

            """
    }

    static func launch(config: URL, prefix: URL) throws -> Process {
        let process = Process()
        let path = ["/usr/sbin/nginx", "/usr/bin/nginx"].first { FileManager.default.isExecutableFile(atPath: $0) }
        process.executableURL = try path.map(URL.init(fileURLWithPath:)) ?? Command.locate("nginx")
        process.arguments = ["-p", prefix.path, "-c", config.path, "-e", prefix.path + "/error.log"]
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Polls the front until it answers, the process exits, or 10 s pass.
    private static func waitUntilReady(_ process: Process, port: Int) -> Bool {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline && process.isRunning {
            if HTTPProbe.status(port: port, path: "/v2/") != nil { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return false
    }

    static func end(_ process: Process) {
        if process.isRunning { process.terminate() }
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    static func errorLog(_ directory: URL) -> String {
        (try? String(contentsOf: directory.appendingPathComponent("error.log"), encoding: .utf8)) ?? "(no nginx error log)"
    }
}
