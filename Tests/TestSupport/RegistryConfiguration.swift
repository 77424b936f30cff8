import Foundation

/// A docker-registry (distribution 2.8) configuration: loopback listener,
/// filesystem storage with deletes enabled, warnings-only logging, and
/// optionally an auth section.
public struct RegistryConfiguration: Sendable {
    /// The storage driver's `rootdirectory`.
    public var storageRoot: URL
    /// The port to listen on.
    public var port: Int
    /// The address to listen on: `127.0.0.1`, or `::1` for an IPv6-only registry.
    public var address = "127.0.0.1"
    /// A pull-through cache of this registry (`proxy: remoteurl:`), with
    /// the credentials it uses there, if any.
    public var pullThrough: (remote: URL, user: String?, password: String?)?
    /// How clients must authenticate.
    var auth: AuthSection?
    /// Where blob GETs are sent by 307 (distribution's `redirect` storage
    /// middleware: this URL's scheme and host, the blob file's storage path).
    var blobRedirect: URL?

    /// The `auth` section of the file.
    enum AuthSection: Sendable {
        /// Basic auth against a bcrypt htpasswd file.
        case htpasswd(file: URL)
        /// Bearer tokens from a token service.
        case token(realm: URL, service: String, issuer: String, rootCertBundle: URL)
    }

    /// A configuration without auth.
    public init(storageRoot: URL, port: Int) {
        self.storageRoot = storageRoot
        self.port = port
    }

    /// The file's YAML text.
    public var yaml: String {
        var text = """
            version: 0.1
            log:
              level: warn
              accesslog:
                disabled: true
            storage:
              filesystem:
                rootdirectory: \(quoted(storageRoot.path))
              delete:
                enabled: true
              maintenance:
                uploadpurging:
                  enabled: false
            http:
              addr: \(quoted(address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)"))
              secret: modelget-testkit-secret

            """
        if let (remote, user, password) = pullThrough {
            text += "proxy:\n  remoteurl: \(quoted(remote.absoluteString))\n"
            if let user, let password { text += "  username: \(quoted(user))\n  password: \(quoted(password))\n" }
        }
        if let blobRedirect {
            text += """
                middleware:
                  storage:
                    - name: redirect
                      options:
                        baseurl: \(quoted(blobRedirect.absoluteString))

                """
        }
        switch auth {
        case nil:
            break
        case let .htpasswd(file):
            text += """
                auth:
                  htpasswd:
                    realm: modelget-test
                    path: \(quoted(file.path))

                """
        case let .token(realm, service, issuer, rootCertBundle):
            text += """
                auth:
                  token:
                    realm: \(quoted(realm.absoluteString))
                    service: \(quoted(service))
                    issuer: \(quoted(issuer))
                    rootcertbundle: \(quoted(rootCertBundle.path))

                """
        }
        return text
    }

    /// A YAML double-quoted scalar (JSON string syntax is valid YAML).
    private func quoted(_ value: String) -> String {
        let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
        return "\"\(escaped)\""
    }
}
