import ModelGet

/// What a request path asks for, parsed from the raw (still
/// percent-encoded) path: an encoded `%2e%2e` or `%2f` is never decoded
/// into something the grammar would have refused.
enum DistributionRoute: Equatable, Sendable {
    case base
    case catalog
    case metrics
    case tags(ServedName)
    case manifest(ServedName, ManifestReference)
    case blob(ServedName, Digest)
    /// An upload endpoint (`blobs/uploads/…`): served only to refuse it.
    case upload

    /// A tag or a digest, as `manifests/<reference>` names it.
    enum ManifestReference: Equatable, Sendable, CustomStringConvertible {
        case tag(String)
        case digest(Digest)

        var description: String {
            switch self {
            case let .tag(tag): tag
            case let .digest(digest): digest.description
            }
        }
    }

    /// Parses `path` (without its query). Throws a `DistributionError` for a
    /// path under `/v2/` with an invalid name, tag or digest.
    static func parse(_ path: Substring, defaultHost: String) throws -> DistributionRoute? {
        if path == "/metrics" { return .metrics }
        guard path == "/v2" || path.hasPrefix("/v2/") else { return nil }
        var components = path.split(separator: "/", omittingEmptySubsequences: false).dropFirst(2)
        if components.isEmpty || components == [""] { return .base }
        if components == ["_catalog"] { return .catalog }
        // Upload endpoints end in blobs/uploads/ or blobs/uploads/<id>.
        if let blobs = components.lastIndex(of: "blobs"), blobs + 1 < components.endIndex,
           components[blobs + 1] == "uploads", components.endIndex - blobs <= 3 {
            return .upload
        }
        guard components.count >= 3 else { return nil }
        let last = components.removeLast()
        let kind = components.removeLast()
        func name() throws -> ServedName {
            guard let name = ServedName(Array(components), defaultHost: defaultHost) else {
                throw DistributionError.nameInvalid(String(components.joined(separator: "/").prefix(200)))
            }
            return name
        }
        switch kind {
        case "tags" where last == "list":
            return .tags(try name())
        case "manifests":
            let name = try name()
            if last.contains(":") {
                guard let digest = try? Digest(String(last)) else { throw DistributionError.digestInvalid(String(last)) }
                return .manifest(name, .digest(digest))
            }
            guard ServedName.isValidTag(last) else { throw DistributionError.tagInvalid(String(last)) }
            return .manifest(name, .tag(String(last)))
        case "blobs":
            let name = try name()
            guard let digest = try? Digest(String(last)) else { throw DistributionError.digestInvalid(String(last)) }
            return .blob(name, digest)
        default:
            return nil
        }
    }
}
