extension Reference {
    /// Parses a reference typed by a user. Throws
    /// `ModelGetError.invalidReference` naming the part that is wrong.
    public init(parsing input: String) throws {
        func fail(_ reason: String) -> ModelGetError { .invalidReference(input, reason: reason) }
        guard !input.isEmpty else { throw fail("empty reference") }
        guard input.utf8.count <= 1024 else { throw fail("longer than 1024 characters") }
        guard !input.contains(where: { $0.isWhitespace || $0.isNewline }) else { throw fail("contains white space") }

        var rest = Substring(input)
        var scheme: String?
        if let range = rest.range(of: "://") {
            let s = rest[..<range.lowerBound].lowercased()
            guard s == "http" || s == "https" else { throw fail("scheme must be http or https, not \"\(s)\"") }
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

        var components = rest.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard !components.contains(where: \.isEmpty) else { throw fail("empty path component") }

        var host = Reference.defaultHost
        if components.count > 1, Reference.looksLikeHost(components[0]) {
            host = components.removeFirst()
            try Reference.validateHost(host, fail: fail)
            host = Reference.canonicalHost(host)
        } else if scheme != nil {
            throw fail("a scheme needs a host")
        }

        var tag: String?
        if let last = components.last, let colon = last.lastIndex(of: ":") {
            let tagText = String(last[last.index(after: colon)...])
            guard Reference.isValidTag(tagText) else {
                throw fail("tag \"\(tagText)\" must be 1-128 letters, digits, '_', '.' or '-', not starting with '.' or '-'")
            }
            tag = tagText
            components[components.count - 1] = String(last[..<colon])
        }
        if tag == nil && digest == nil { tag = Reference.defaultTag }

        for component in components {
            guard Reference.isValidPathComponent(component) else {
                let hint = component.contains(where: \.isUppercase) ? " (repository names must be lowercase)" : ""
                throw fail("name component \"\(component)\" is not valid\(hint): use lowercase letters and digits separated by '.', '_', '__' or '-'")
            }
        }
        let name = components.removeLast()
        let namespace = components.isEmpty ? Reference.defaultNamespace : components.joined(separator: "/")
        guard namespace.utf8.count + 1 + name.utf8.count <= 255 else { throw fail("repository name longer than 255 characters") }

        self.init(scheme: scheme, host: host, namespace: namespace, name: name, tag: tag, digest: digest)
    }

    /// Docker's rule: the first component is a host when it has a dot or a
    /// port, or is `localhost`.
    static func looksLikeHost(_ component: String) -> Bool {
        component.contains(".") || component.contains(":") || component == "localhost" || component.hasPrefix("[")
    }

    static func validateHost(_ host: String, fail: (String) -> ModelGetError) throws {
        var name = Substring(host)
        var port: Substring?
        if name.hasPrefix("[") {
            guard let close = name.firstIndex(of: "]") else { throw fail("host \"\(host)\" has an unclosed '['") }
            let after = name[name.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw fail("host \"\(host)\" is not valid") }
                port = after.dropFirst()
            }
            let inner = name[name.index(after: name.startIndex)..<close]
            guard !inner.isEmpty, inner.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
                throw fail("host \"\(host)\" is not a valid IPv6 address")
            }
        } else {
            if let colon = name.firstIndex(of: ":") {
                port = name[name.index(after: colon)...]
                name = name[..<colon]
            }
            let labels = name.split(separator: ".", omittingEmptySubsequences: false)
            let validLabel: (Substring) -> Bool = { label in
                !label.isEmpty && label.count <= 63 && label.first != "-" && label.last != "-"
                    && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
            }
            guard !name.isEmpty, labels.allSatisfy(validLabel) else {
                throw fail("host \"\(host)\" is not a valid host name")
            }
        }
        if let port {
            guard let value = Int(port), (1...65535).contains(value), port.allSatisfy(\.isNumber) else {
                throw fail("port \"\(port)\" must be a number from 1 to 65535")
            }
        }
    }

    /// `[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*`, the distribution grammar.
    static func isValidPathComponent(_ s: String) -> Bool {
        let bytes = Array(s.utf8)
        guard !bytes.isEmpty else { return false }
        func alnum(_ b: UInt8) -> Bool { (0x61...0x7a).contains(b) || (0x30...0x39).contains(b) }
        var i = 0
        var previousWasSeparator = true
        while i < bytes.count {
            let b = bytes[i]
            if alnum(b) {
                previousWasSeparator = false
                i += 1
                continue
            }
            guard !previousWasSeparator else { return false }
            switch b {
            case UInt8(ascii: "."):
                i += 1
            case UInt8(ascii: "_"):
                i += (i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "_")) ? 2 : 1
            case UInt8(ascii: "-"):
                while i < bytes.count && bytes[i] == UInt8(ascii: "-") { i += 1 }
            default:
                return false
            }
            previousWasSeparator = true
        }
        return !previousWasSeparator
    }

    /// `[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}`.
    static func isValidTag(_ s: String) -> Bool {
        let bytes = Array(s.utf8)
        guard (1...128).contains(bytes.count) else { return false }
        func word(_ b: UInt8) -> Bool {
            (0x61...0x7a).contains(b) || (0x41...0x5a).contains(b) || (0x30...0x39).contains(b) || b == UInt8(ascii: "_")
        }
        return word(bytes[0]) && bytes.dropFirst().allSatisfy { word($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
    }
}
