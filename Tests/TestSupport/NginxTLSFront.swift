import Foundation
import Synchronization

/// Debian's nginx as the HTTPS front of a registry, with a certificate a
/// `PrivateCA` signed, optionally requiring a client certificate that CA
/// signed (mutual TLS). Everything is passed to the registry, which is
/// told the scheme (`X-Forwarded-Proto`) so its upload locations are
/// `https://` too.
///
/// nginx runs as a child process (`daemon off`) with its own prefix,
/// config and logs in a temporary directory; `stop()` (or deinit) ends it.
public final class NginxTLSFront: Sendable {
    /// The HTTPS port: a reference's host is `127.0.0.1:PORT`.
    public let port: Int
    private let directory: URL
    private let process: Mutex<Process?>

    /// Starts nginx on 127.0.0.1 in front of the registry on `registryPort`.
    public init(registryPort: Int, ca: PrivateCA, requireClientCertificate: Bool = false) throws {
        directory = try TemporaryDirectory.make(prefix: "modelget-nginx-tls")
        do {
            try FileManager.default.createDirectory(at: directory.appendingPathComponent("tmp"), withIntermediateDirectories: true)
            var started: (Process, Int)?
            for _ in 1...3 where started == nil {
                let port = try LoopbackSocket.freePort()
                let file = directory.appendingPathComponent("nginx.conf")
                try Self.config(prefix: directory.path, port: port, registryPort: registryPort, ca: ca,
                                requireClientCertificate: requireClientCertificate)
                    .write(to: file, atomically: true, encoding: .utf8)
                let process = try Self.launch(config: file, prefix: directory)
                if Self.waitUntilListening(process, port: port) {
                    started = (process, port)
                } else {
                    Self.end(process)
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

    /// Ends nginx. Safe to call more than once.
    public func stop() {
        guard let running = process.withLock({ $0.take() }) else { return }
        Self.end(running)
    }

    static func config(prefix: String, port: Int, registryPort: Int, ca: PrivateCA,
                       requireClientCertificate: Bool) -> String {
        // As root, nginx's workers would drop to nobody, who cannot read the temporary directories.
        let user = getuid() == 0 ? "user root root;" : ""
        let clientCheck = requireClientCertificate
            ? "ssl_client_certificate \(ca.certificate.path);\n        ssl_verify_client on;" : ""
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
                server {
                    listen 127.0.0.1:\(port) ssl;
                    ssl_certificate \(ca.serverCertificate.path);
                    ssl_certificate_key \(ca.serverKey.path);
                    \(clientCheck)
                    client_max_body_size 0;
                    proxy_buffering off;
                    proxy_request_buffering off;
                    location / {
                        proxy_pass http://127.0.0.1:\(registryPort);
                        proxy_set_header Host $http_host;
                        proxy_set_header X-Forwarded-Proto https;
                    }
                }
            }

            """
    }

    private static func launch(config: URL, prefix: URL) throws -> Process {
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

    /// Polls until the port accepts a TCP connection, the process exits, or 10 s pass.
    private static func waitUntilListening(_ process: Process, port: Int) -> Bool {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline && process.isRunning {
            if let socket = try? LoopbackSocket.connect(address: "127.0.0.1", port: port, timeout: 1) {
                close(socket)
                return true
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return false
    }

    private static func end(_ process: Process) {
        if process.isRunning { process.terminate() }
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}
