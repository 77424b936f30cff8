import Foundation

/// Debian's nginx as the HTTPS front of a registry (an `NginxSite`), with
/// a certificate a `PrivateCA` signed, optionally requiring a client
/// certificate that CA signed (mutual TLS). Everything is passed to the
/// registry, which is told the scheme (`X-Forwarded-Proto`) so its upload
/// locations are `https://` too. `stop()` (or deinit) ends it.
public final class NginxTLSFront: Sendable {
    private let site: NginxSite

    /// Starts nginx on 127.0.0.1 in front of the registry on `registryPort`.
    public init(registryPort: Int, ca: PrivateCA, requireClientCertificate: Bool = false) throws {
        let clientCheck = requireClientCertificate
            ? "ssl_client_certificate \(ca.certificate.path);\n        ssl_verify_client on;" : ""
        site = try NginxSite { port, _ in
            """
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
            """
        }
    }

    /// The HTTPS port: a reference's host is `127.0.0.1:PORT`.
    public var port: Int { site.port }

    /// Ends nginx. Safe to call more than once.
    public func stop() { site.stop() }
}
