/// Where a push goes, worked out from the optional `DEST` argument.
package enum PushDestination {
    /// `DEST` may be a full reference, a reference without a tag (the
    /// source's tag is kept), or just a registry host such as
    /// `127.0.0.1:5000` or `registry.example/` (same repository and tag
    /// there). Without `DEST` the model goes back to its own registry.
    package static func resolve(_ destination: String?, source: Reference) throws -> Reference {
        guard var text = destination else { return source }
        let trailingSlash = text.hasSuffix("/")
        if trailingSlash { text.removeLast() }
        let hostOnly = !text.isEmpty && !text.contains("/") && !text.contains("@")
            && (trailingSlash || text == "localhost" || text.hasPrefix("[") || isHostPort(text))
        if hostOnly {
            var parsed = try Reference(parsing: text + "/" + source.repository)
            parsed.tag = source.tag
            parsed.digest = source.tag == nil ? source.digest : nil
            return parsed
        }
        var parsed = try Reference(parsing: text)
        let last = text.split(separator: "/").last.map(String.init) ?? text
        if parsed.digest == nil, !last.contains(":") {
            parsed.tag = source.storeTag
        }
        return parsed
    }

    /// `host:port` with a dotted host (or `localhost`) and a numeric port,
    /// not `name:tag`.
    private static func isHostPort(_ text: String) -> Bool {
        guard let colon = text.lastIndex(of: ":") else { return false }
        let port = text[text.index(after: colon)...], name = text[..<colon]
        return !port.isEmpty && port.allSatisfy(\.isNumber) && (name.contains(".") || name == "localhost")
    }
}
