import ModelGet

/// A repository name as a client spells it in `/v2/<name>/…`: one to three
/// components, `[host/][namespace/]model`, each checked by ollama's name
/// grammar (`types/model/name.go`) before it can touch a path. Missing
/// parts take the serve's defaults (host `registry.ollama.ai`, or the
/// single `--upstream`'s host; namespace `library`). A host with a port
/// cannot be a path component for docker, podman, skopeo or ollama (no
/// `:` there), so `HOST_PORT` names the store's `HOST:PORT`
/// (`127.0.0.1_5000/team/tiny` is `manifests/127.0.0.1:5000/team/tiny`);
/// `_catalog` lists it that way (`servedForm`).
struct ServedName: Hashable, Sendable, CustomStringConvertible {
    /// The name as requested (`library/llama3`), for messages and links.
    let spelled: String
    let host: String
    let namespace: String
    let model: String

    /// Parses the path components of a name; nil when any is not valid.
    init?(_ components: [Substring], defaultHost: String) {
        guard (1...3).contains(components.count) else { return nil }
        let parts = components.map(String.init)
        let model = parts[parts.count - 1]
        let namespace = parts.count >= 2 ? parts[parts.count - 2] : Reference.defaultNamespace
        let host = parts.count == 3 ? Self.storeHost(parts[0]) : defaultHost
        guard Self.isValidPart(model, allowDot: true, maxLength: 80),
              Self.isValidPart(namespace, allowDot: false, maxLength: 80),
              parts.count < 3 || Self.isValidHost(host) else { return nil }
        self.spelled = parts.joined(separator: "/")
        self.host = host
        self.namespace = namespace
        self.model = model
    }

    var description: String { spelled }

    /// The store's host for a served one: `HOST_PORT` (a port of 1 to 5
    /// digits) is `HOST:PORT`; any other host is itself.
    static func storeHost(_ served: String) -> String {
        guard let underscore = served.lastIndex(of: "_"), !served.contains(":") else { return served }
        let port = served[served.index(after: underscore)...]
        guard (1...5).contains(port.count), port.allSatisfy({ $0.isASCII && $0.isNumber }), underscore > served.startIndex else { return served }
        return served[..<underscore] + ":" + port
    }

    /// How a client can spell the stored `host/namespace/model`
    /// (`defaultHost` left out): `HOST:PORT` as `HOST_PORT`, in lower case
    /// (the lookup ignores case); nil when the name would still not be a
    /// valid OCI repository name (components of `[a-z0-9]` runs joined by
    /// one `.`, one or two `_`, or dashes).
    static func servedForm(host: String, namespace: String, model: String, defaultHost: String) -> String? {
        let servedHost = host.caseInsensitiveCompare(defaultHost) == .orderedSame ? nil : host.replacingOccurrences(of: ":", with: "_")
        let components = ([servedHost].compactMap { $0 } + [namespace, model]).map { $0.lowercased() }
        guard components.allSatisfy(isOCIComponent) else { return nil }
        return components.joined(separator: "/")
    }

    /// The OCI distribution spec's path component: `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`.
    static func isOCIComponent(_ s: String) -> Bool {
        s.range(of: #"^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*$"#, options: .regularExpression) != nil
    }

    /// `[A-Za-z0-9_][A-Za-z0-9_.-]*` (no `.` in a namespace), 1 to `maxLength` bytes.
    static func isValidPart(_ s: String, allowDot: Bool, maxLength: Int) -> Bool {
        let bytes = Array(s.utf8)
        guard (1...maxLength).contains(bytes.count), isWord(bytes[0]) else { return false }
        return bytes.dropFirst().allSatisfy { isWord($0) || $0 == UInt8(ascii: "-") || (allowDot && $0 == UInt8(ascii: ".")) }
    }

    /// A host part: `[A-Za-z0-9_][A-Za-z0-9_.:-]*`, 1 to 350 bytes.
    static func isValidHost(_ s: String) -> Bool {
        let bytes = Array(s.utf8)
        guard (1...350).contains(bytes.count), isWord(bytes[0]) else { return false }
        return bytes.dropFirst().allSatisfy { isWord($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: ":") }
    }

    /// A tag: `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
    static func isValidTag(_ s: Substring) -> Bool {
        let bytes = Array(s.utf8)
        guard (1...128).contains(bytes.count), isWord(bytes[0]) else { return false }
        return bytes.dropFirst().allSatisfy { isWord($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") }
    }

    private static func isWord(_ b: UInt8) -> Bool {
        (0x61...0x7a).contains(b) || (0x41...0x5a).contains(b) || (0x30...0x39).contains(b) || b == UInt8(ascii: "_")
    }
}
