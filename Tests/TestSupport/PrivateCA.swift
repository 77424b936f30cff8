import Foundation

/// A private certificate authority made with `openssl` in a temporary
/// directory: its certificate, a server certificate it signed for
/// `127.0.0.1`, `localhost` and `ip6-localhost` (and any other names
/// asked for), and a client certificate it signed. EC P-256 keys, valid
/// for two days.
public struct PrivateCA: Sendable {
    /// The directory holding every file below; the caller removes it.
    public let directory: URL
    /// The CA's certificate (PEM): what a client must trust.
    public var certificate: URL { directory.appendingPathComponent("ca.pem") }
    /// The server's certificate and key (PEM).
    public var serverCertificate: URL { directory.appendingPathComponent("server.pem") }
    public var serverKey: URL { directory.appendingPathComponent("server.key") }
    /// A client certificate the CA signed, and its key (PEM).
    public var clientCertificate: URL { directory.appendingPathComponent("client.pem") }
    public var clientKey: URL { directory.appendingPathComponent("client.key") }

    /// Makes the CA and both certificates; `names` are extra DNS names of the server.
    public init(names: [String] = []) throws {
        directory = try TemporaryDirectory.make(prefix: "modelget-ca")
        let key = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2"]
        try Command.run("openssl", ["req", "-x509"] + key + [
            "-subj", "/CN=modelget test CA", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            "-keyout", directory.appendingPathComponent("ca.key").path, "-out", certificate.path,
        ])
        let san = (["IP:127.0.0.1", "IP:::1", "DNS:localhost", "DNS:ip6-localhost"] + names.map { "DNS:" + $0 }).joined(separator: ",")
        try sign(key: key, subject: "/CN=127.0.0.1", extensions: ["subjectAltName=" + san, "extendedKeyUsage=serverAuth"],
                 keyOut: serverKey, certificateOut: serverCertificate)
        try sign(key: key, subject: "/CN=modelget test client", extensions: ["extendedKeyUsage=clientAuth"],
                 keyOut: clientKey, certificateOut: clientCertificate)
    }

    private func sign(key: [String], subject: String, extensions: [String], keyOut: URL, certificateOut: URL) throws {
        try Command.run("openssl", ["req", "-x509"] + key + [
            "-CA", certificate.path, "-CAkey", directory.appendingPathComponent("ca.key").path,
            "-subj", subject, "-addext", "basicConstraints=critical,CA:FALSE",
        ] + extensions.flatMap { ["-addext", $0] } + ["-keyout", keyOut.path, "-out", certificateOut.path])
    }
}
