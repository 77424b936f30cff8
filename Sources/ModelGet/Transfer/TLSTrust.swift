import Foundation

/// Which certificate authorities a TLS connection trusts, and which client
/// certificate it presents, per host, as docker and podman decide:
///
/// - `SSL_CERT_FILE` and `SSL_CERT_DIR` replace the system's CA file and
///   hashed CA directory (OpenSSL's and Go's meaning).
/// - `--cacert FILE` adds its CAs to those, for every host (as a
///   `certs.d` CA is added: a registry with a private CA may still
///   redirect to a CDN with a package one).
/// - `HOST[:PORT]/` in `~/.config/containers/certs.d`,
///   `/etc/containers/certs.d` or `/etc/docker/certs.d` (the first of the
///   three that has it, as containers/image looks): each `*.crt` is a CA
///   added for that host; each `NAME.cert` + `NAME.key` is a client
///   certificate pair (the first by name is presented: libcurl takes one).
///   The directory is named as the URL names the host: `registry:5000`,
///   or `registry` on the default port.
package struct TLSTrust: Sendable, Equatable {
    /// `SSL_CERT_FILE`: the CA file instead of the system's.
    package var caFile: String?
    /// `SSL_CERT_DIR`: the hashed CA directory instead of the system's.
    package var caDirectory: String?
    /// `--cacert`: CA files trusted for every host, besides the system's.
    package var extraCAFiles: [String]
    /// Where per-host directories are looked for, in order.
    package var certsDirectories: [String]

    /// The places docker and podman read per-host certificates from.
    package static func defaultCertsDirectories(environment: [String: String]) -> [String] {
        let home = environment["HOME"] ?? NSHomeDirectory()
        return [home + "/.config/containers/certs.d", "/etc/containers/certs.d", "/etc/docker/certs.d"]
    }

    package init(caFile: String? = nil, caDirectory: String? = nil, extraCAFiles: [String] = [], certsDirectories: [String] = []) {
        self.caFile = caFile
        self.caDirectory = caDirectory
        self.extraCAFiles = extraCAFiles
        self.certsDirectories = certsDirectories
    }

    /// The trust `environment` gives, with `cacert` (`--cacert`) added.
    package init(environment: [String: String] = ProcessInfo.processInfo.environment, cacert: String? = nil) {
        func variable(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        self.init(caFile: variable("SSL_CERT_FILE"), caDirectory: variable("SSL_CERT_DIR"),
                  extraCAFiles: cacert.map { [$0] } ?? [], certsDirectories: Self.defaultCertsDirectories(environment: environment))
    }

    /// What a connection to `authority` (`host[:port]` as the URL spells
    /// it) uses; `systemCAFile` is the CA file libcurl uses by default.
    /// Throws when a file it names cannot be read, or a client certificate
    /// lacks its key (or the other way round).
    package func forHost(_ authority: String, systemCAFile: String?) throws -> HostTrust {
        var trust = HostTrust(caFile: caFile, caDirectory: caDirectory)
        var extra = extraCAFiles
        if let directory = certsDirectory(for: authority) {
            trust.certsDirectory = directory
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).sorted()
            extra += names.filter { $0.hasSuffix(".crt") }.map { directory + "/" + $0 }
            for name in names where name.hasSuffix(".key") {
                let base = String(name.dropLast(4))
                guard names.contains(base + ".cert") else {
                    throw ModelGetError.fileSystem(path: directory + "/" + name, reason: "client key without its certificate \(base).cert")
                }
            }
            if let certificate = names.first(where: { $0.hasSuffix(".cert") }) {
                let base = String(certificate.dropLast(5))
                guard names.contains(base + ".key") else {
                    throw ModelGetError.fileSystem(path: directory + "/" + certificate,
                                                   reason: "client certificate without its key \(base).key (a CA certificate is named *.crt)")
                }
                trust.clientCertificate = directory + "/" + certificate
                trust.clientKey = directory + "/" + base + ".key"
            }
        }
        guard !extra.isEmpty else { return trust }
        // libcurl takes one CA file or one in-memory bundle: the bundle is
        // the system's (or SSL_CERT_FILE's) certificates and the added ones.
        var bundle = Data()
        for file in [caFile ?? systemCAFile].compactMap({ $0 }) + extra {
            guard let data = FileManager.default.contents(atPath: file) else {
                throw ModelGetError.fileSystem(path: file, reason: "cannot read this CA certificate file")
            }
            bundle.append(data)
            bundle.append(0x0A)
        }
        trust.caBundle = bundle
        return trust
    }

    /// The first `certs.d` directory that has one for `authority`.
    func certsDirectory(for authority: String) -> String? {
        guard !authority.isEmpty, !authority.contains("/"), authority != ".", authority != ".." else { return nil }
        for root in certsDirectories {
            var isDirectory: ObjCBool = false
            let path = root + "/" + authority
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue { return path }
        }
        return nil
    }
}

/// The TLS settings of connections to one host (see `TLSTrust`).
package struct HostTrust: Sendable, Equatable {
    /// The CA file instead of libcurl's default (`SSL_CERT_FILE`), if any.
    package var caFile: String?
    /// The hashed CA directory instead of libcurl's default (`SSL_CERT_DIR`), if any.
    package var caDirectory: String?
    /// Every trusted CA as PEM text, when CAs are added to the system's;
    /// then it replaces `caFile`.
    package var caBundle: Data?
    /// The client certificate (PEM) and its key presented to the host, if any.
    package var clientCertificate: String?
    package var clientKey: String?
    /// The `certs.d` directory these came from, if any.
    package var certsDirectory: String?
}
