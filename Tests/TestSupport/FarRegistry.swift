import Foundation
import Synchronization

/// A registry shaped like ollama's, on the far side of a path with latency
/// (`DelayRelay`): a real docker-registry with bearer-token auth
/// (`TokenService`) that answers blob GETs with 307 to a CDN (distribution's
/// `redirect` middleware), behind Debian's nginx as an HTTPS HTTP/2 front
/// that serves `/token` and hands out manifests as `text/plain` (as
/// registry.ollama.ai does; repositories ending in `-oci` keep their type,
/// for clients that insist on it), and nginx as that HTTPS HTTP/2 CDN over
/// the registry's blob files. Clients reach both only through relays on
/// the same path, which count connections and TLS handshakes; nginx logs
/// every request with its connection and whether TLS was resumed.
///
/// The registry's storage is given (seed it first); everything else lives
/// in temporary directories that `stop()` (or deinit) removes.
public final class FarRegistry: Sendable {
    /// The relay clients reach the registry (and its `/token`) through.
    public let front: DelayRelay
    /// The relay in front of the CDN, where blob GETs are sent.
    public let cdn: DelayRelay
    public let tokens: TokenService
    public let registry: RegistryProcess
    private let directory: URL
    private let nginx: Mutex<Process?>

    /// Starts it over `storage` (a docker-registry storage root), with
    /// `path` between the clients and both nginx servers (the same
    /// `LinkRate`, if any, for both) and `workers` nginx processes.
    public init(storage: URL, path: DelayRelay.Path, workers: Int = 2) throws {
        let directory = try TemporaryDirectory.make(prefix: "modelget-far")
        var started: [() -> Void] = []
        do {
            let tokens = try TokenService()
            started.append { tokens.stop() }
            let frontTLS = try LoopbackSocket.freePort(), cdnTLS = try LoopbackSocket.freePort()
            let front = try DelayRelay(upstreamPort: frontTLS, path: path)
            started.append { front.stop() }
            let cdn = try DelayRelay(upstreamPort: cdnTLS, path: path)
            started.append { cdn.stop() }
            let registry = try RegistryProcess(auth: .tokenAt(tokens, realm: URL(string: "https://127.0.0.1:\(front.port)/token")!),
                                               storage: storage, blobRedirect: URL(string: "https://127.0.0.1:\(cdn.port)")!)
            started.append { registry.stop() }
            try FileManager.default.createDirectory(at: directory.appendingPathComponent("tmp"), withIntermediateDirectories: true)
            try Command.run("openssl", [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
                "-addext", "subjectAltName=IP:127.0.0.1",
                "-keyout", directory.appendingPathComponent("key.pem").path,
                "-out", directory.appendingPathComponent("cert.pem").path,
            ])
            let file = directory.appendingPathComponent("nginx.conf")
            try Self.config(directory: directory, frontPort: frontTLS, cdnPort: cdnTLS, registryPort: registry.port,
                            tokenPort: tokens.server.port, storage: storage, workers: workers)
                .write(to: file, atomically: true, encoding: .utf8)
            let process = try NginxCDN.launch(config: file, prefix: directory)
            guard Self.waitUntilListening(process, ports: [frontTLS, cdnTLS]) else {
                NginxCDN.end(process)
                throw TestSupportError.commandFailed(command: "nginx", status: 1, output: NginxCDN.errorLog(directory))
            }
            (self.tokens, self.front, self.cdn, self.registry) = (tokens, front, cdn, registry)
            nginx = Mutex(process)
            self.directory = directory
        } catch {
            started.reversed().forEach { $0() }
            try? FileManager.default.removeItem(at: directory)
            throw error
        }
    }

    deinit {
        stop()
    }

    /// `127.0.0.1:PORT` of the front's relay, as a reference's host.
    public var host: String { "127.0.0.1:\(front.port)" }

    /// The URL a blob GET is redirected to (through the CDN's relay).
    public func cdnURL(hex: String) -> String {
        "https://127.0.0.1:\(cdn.port)/docker/registry/v2/blobs/sha256/\(hex.prefix(2))/\(hex)/data"
    }

    /// One line per request to the front: nginx's connection number, `r`
    /// when TLS was resumed (else `.`), method, request URI, status.
    public var frontLog: [String] { log("front.log") }

    /// One line per CDN request: connection number, `r` or `.`, protocol, status.
    public var cdnLog: [String] { log("cdn.log") }

    /// Ends nginx, the registry, the token service and the relays, and
    /// removes the temporary files. Safe to call more than once.
    public func stop() {
        front.stop()
        cdn.stop()
        if let running = nginx.withLock({ $0.take() }) { NginxCDN.end(running) }
        registry.stop()
        tokens.stop()
        for temporary in [directory, registry.directory, tokens.directory] { try? FileManager.default.removeItem(at: temporary) }
    }

    private func log(_ name: String) -> [String] {
        let text = (try? String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").map(String.init)
    }

    private static func waitUntilListening(_ process: Process, ports: [Int]) -> Bool {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline && process.isRunning {
            let listening = ports.allSatisfy { port in
                guard let socket = try? LoopbackSocket.connect(address: "127.0.0.1", port: port, timeout: 1) else { return false }
                close(socket)
                return true
            }
            if listening { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return false
    }

    static func config(directory: URL, frontPort: Int, cdnPort: Int, registryPort: Int, tokenPort: Int, storage: URL,
                       workers: Int) -> String {
        let prefix = directory.path
        // As root, nginx's workers would drop to nobody, who cannot read the temporary directories.
        let user = getuid() == 0 ? "user root root;" : ""
        return """
            daemon off;
            \(user)
            worker_processes \(workers);
            pid \(prefix)/nginx.pid;
            error_log \(prefix)/error.log warn;
            events { worker_connections 4096; }
            http {
                access_log off;
                client_body_temp_path \(prefix)/tmp/body;
                proxy_temp_path \(prefix)/tmp/proxy;
                fastcgi_temp_path \(prefix)/tmp/fastcgi;
                uwsgi_temp_path \(prefix)/tmp/uwsgi;
                scgi_temp_path \(prefix)/tmp/scgi;
                sendfile on;
                keepalive_requests 100000;
                ssl_certificate \(prefix)/cert.pem;
                ssl_certificate_key \(prefix)/key.pem;
                ssl_protocols TLSv1.2 TLSv1.3;
                ssl_session_cache shared:TLS:8m;
                log_format front '$connection $ssl_session_reused $request_method $request_uri $status';
                log_format cdn '$connection $ssl_session_reused $server_protocol $status';
                upstream registry {
                    server 127.0.0.1:\(registryPort);
                    keepalive 64;
                }
                server {
                    listen 127.0.0.1:\(frontPort) ssl http2;
                    access_log \(prefix)/front.log front;
                    client_max_body_size 0;
                    proxy_buffering off;
                    proxy_http_version 1.1;
                    proxy_set_header Connection "";
                    proxy_set_header Host $http_host;
                    location = /token {
                        proxy_pass http://127.0.0.1:\(tokenPort);
                    }
                    location ~ "^/v2/.+-oci/manifests/" {
                        proxy_pass http://registry;
                    }
                    location ~ "^/v2/.+/manifests/" {
                        proxy_pass http://registry;
                        proxy_hide_header Content-Type;
                        add_header Content-Type "text/plain; charset=utf-8" always;
                    }
                    location / {
                        proxy_pass http://registry;
                    }
                }
                server {
                    listen 127.0.0.1:\(cdnPort) ssl http2;
                    access_log \(prefix)/cdn.log cdn;
                    location /docker/registry/v2/blobs/ {
                        root \(storage.path);
                        default_type application/octet-stream;
                    }
                }
            }

            """
    }
}
