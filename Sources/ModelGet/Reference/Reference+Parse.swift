extension Reference {
    /// Parses a reference typed by a user, reading it as ollama does
    /// (`types/model/name.go`): the tag follows the last `:` after the last
    /// `/`; the rest splits from the right into `[host/][namespace/]model`,
    /// so `a/b/c` is host `a`. Two extensions for OCI registries, both
    /// where ollama refuses the name: a two-part name whose first part has
    /// a `.` or `:` (`ghcr.io/model`) names a host, with namespace
    /// `library`; a name of four or more parts whose first has a `.` or `:`
    /// or is `localhost` is a nested repository (`ghcr.io/org/team/model`),
    /// which registries accept but ollama's store cannot hold (see
    /// `isStorable`). `@sha256:<hex>` pins a manifest. Case is kept as
    /// typed. Throws `ModelGetError.invalidReference` naming the part at
    /// fault.
    public init(parsing input: String) throws {
        func fail(_ reason: String) -> ModelGetError { .invalidReference(String(input.prefix(400)), reason: reason) }
        guard !input.isEmpty else { throw fail("empty reference") }
        guard input.utf8.count <= 1024 else { throw fail("longer than 1024 characters") }
        guard !input.contains(where: { $0.isWhitespace || $0.isNewline }) else { throw fail("contains white space") }

        var rest = Substring(input)
        var scheme: String?
        if let range = rest.range(of: "://") {
            let s = rest[..<range.lowerBound].lowercased()
            guard s == "http" || s == "https" else { throw fail("scheme must be http or https, not \"\(s.prefix(40))\"") }
            scheme = s
            rest = rest[range.upperBound...]
        }

        var digest: Digest?
        if let at = rest.lastIndex(of: "@") {
            let digestText = String(rest[rest.index(after: at)...])
            guard let parsed = try? Digest(digestText) else {
                throw fail("digest \"\(digestText.prefix(80))\" is not sha256: followed by 64 lowercase hex digits")
            }
            digest = parsed
            rest = rest[..<at]
        }

        var tag: String?
        if let colon = rest.lastIndex(of: ":") {
            let slash = rest.lastIndex(of: "/")
            if slash.map({ colon > $0 }) ?? true {
                tag = String(rest[rest.index(after: colon)...])
                rest = rest[..<colon]
            }
        }

        var components = rest.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if let empty = components.firstIndex(where: \.isEmpty) {
            throw fail(components.count == 1 ? "empty model name" : "empty path component at part \(empty + 1)")
        }

        var host: String?
        switch components.count {
        case 1:
            break
        case 2 where Reference.looksLikeHost(components[0]) && !Reference.isValidPart(.namespace, components[0]):
            host = components.removeFirst()
            components.insert(Reference.defaultNamespace, at: 0)
        case 2:
            break
        case 3:
            host = components.removeFirst()
        default:
            guard Reference.looksLikeHost(components[0]) else {
                throw fail("\(components.count) parts separated by '/': a name is [host/][namespace/]model, and \"\(components[0].prefix(80))\" is not a registry host (no '.' or ':')")
            }
            host = components.removeFirst()
        }
        if let host {
            try Reference.check(.host, host, fail)
            try Reference.checkPort(of: host, fail)
        }
        if scheme != nil && host == nil { throw fail("a scheme needs a host") }

        let name = components.removeLast()
        try Reference.check(.model, name, fail)
        if components.count == 1 {
            try Reference.check(.namespace, components[0], fail)
        } else {
            for part in components { try Reference.check(.nestedNamespace, part, fail) }
        }
        if let tag { try Reference.check(.tag, tag, fail) }
        if tag == nil && digest == nil { tag = Reference.defaultTag }
        let namespace = components.isEmpty ? Reference.defaultNamespace : components.joined(separator: "/")
        self.init(scheme: scheme, host: host.map(Reference.canonicalHost) ?? Reference.defaultHost, namespace: namespace, name: name, tag: tag, digest: digest)
    }

    /// The parts of a name, each with ollama's rule.
    enum Part: String {
        case host, namespace, model, tag
        /// One component of a nested OCI repository (`org/team` in
        /// `ghcr.io/org/team/model`): the model rule.
        case nestedNamespace = "repository component"

        /// ollama's longest part: 350 characters for a host, 80 for the others.
        var maximumLength: Int { self == .host ? 350 : 80 }

        /// The characters allowed after the first (a letter, digit or `_`).
        var allowed: String {
            switch self {
            case .host: return "letters, digits, '_', '-', '.' and ':'"
            case .namespace: return "letters, digits, '_' and '-'"
            case .model, .tag, .nestedNamespace: return "letters, digits, '_', '-' and '.'"
            }
        }
    }

    /// ollama's `isValidPart`: 1 to `maximumLength` bytes, starting with an
    /// ASCII letter, digit or `_`, then only the part's allowed characters.
    static func isValidPart(_ part: Part, _ s: String) -> Bool {
        let bytes = Array(s.utf8)
        guard (1...part.maximumLength).contains(bytes.count), isWordByte(bytes[0]) else { return false }
        return bytes.dropFirst().allSatisfy { b in
            switch b {
            case UInt8(ascii: "-"): return true
            case UInt8(ascii: "."): return part != .namespace
            case UInt8(ascii: ":"): return part == .host
            default: return isWordByte(b)
            }
        }
    }

    private static func isWordByte(_ b: UInt8) -> Bool {
        (0x61...0x7a).contains(b) || (0x41...0x5a).contains(b) || (0x30...0x39).contains(b) || b == UInt8(ascii: "_")
    }

    /// Throws a one-line error naming `part` unless `value` is valid for it.
    static func check(_ part: Part, _ value: String, _ fail: (String) -> ModelGetError) throws {
        guard !isValidPart(part, value) else { return }
        let shown = "\"\(value.prefix(80))\(value.count > 80 ? "…" : "")\""
        guard value.utf8.count <= part.maximumLength else {
            throw fail("\(part.rawValue) \(shown) is longer than \(part.maximumLength) characters")
        }
        if part == .namespace && value.contains(".") && isValidPart(.model, value) {
            throw fail("namespace \(shown) contains '.', which ollama does not accept in a namespace")
        }
        if part == .model && value.contains(":") {
            throw fail("model \(shown) holds a ':'; only one :tag may follow the name")
        }
        throw fail("\(part.rawValue) \(shown) must start with a letter, digit or '_' and contain only \(part.allowed)")
    }

    /// Throws when the port of `host[:port]` is a number outside 1…65535
    /// (ollama's grammar allows other text after the ':', such as `host:https`).
    static func checkPort(of host: String, _ fail: (String) -> ModelGetError) throws {
        guard let colon = host.lastIndex(of: ":") else { return }
        let port = host[host.index(after: colon)...]
        guard !port.isEmpty, port.allSatisfy({ $0.isASCII && $0.isNumber }) else { return }
        guard let number = Int(port), (1...65535).contains(number) else {
            throw fail("port \"\(port.prefix(20))\" of host \"\(host.prefix(80))\" is not a number from 1 to 65535")
        }
    }

    /// A part names a registry host when it has a dot or a port, or is `localhost`.
    static func looksLikeHost(_ component: String) -> Bool {
        component.contains(".") || component.contains(":") || component == "localhost"
    }

    /// Throws unless `host` is a host ollama accepts.
    static func validateHost(_ host: String, fail: (String) -> ModelGetError) throws {
        try check(.host, host, fail)
    }

    /// A tag ollama accepts.
    static func isValidTag(_ s: String) -> Bool { isValidPart(.tag, s) }
}
