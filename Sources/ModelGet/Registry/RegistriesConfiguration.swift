import Foundation

/// Where images are read from, as containers-registries.conf(5) (version
/// 2) says, the file podman, skopeo and buildah read (see
/// `+Files` for which files): for the `[[registry]]` whose `prefix` is the
/// longest match of a reference, its `location` (the reference rewritten
/// from `prefix` to `location`), whether it is `insecure` (plain HTTP and
/// unverified TLS allowed) or `blocked`, and its `[[registry.mirror]]`s,
/// tried in order before the location, each for pulls by `all`,
/// `digest-only` or `tag-only` references (`pull-from-mirror`, or the
/// registry's `mirror-by-digest-only`). Mirrors and remapping apply to
/// reads only; a push goes to the name as given (where `blocked` and
/// `insecure` still apply). Short-name settings (`unqualified-search-registries`,
/// `[aliases]`, `short-name-mode`) do not apply: a modelget name always has a host.
public struct RegistriesConfiguration: Sendable, Equatable {
    /// One `[[registry]]` table.
    public struct Registry: Sendable, Equatable {
        /// The names it applies to: `host[:port][/namespace…][/repo][:tag|@digest]` or `*.domain`.
        public var prefix: String
        /// Where those names are read from; empty for a `*.domain` prefix that rewrites nothing.
        public var location: String
        public var insecure = false
        public var blocked = false
        /// Mirrors are used for references pinned by digest only.
        public var mirrorByDigestOnly = false
        public var mirrors: [Mirror] = []
        /// The file that defined it, for messages.
        public var file = ""

        public init(prefix: String, location: String, insecure: Bool = false, blocked: Bool = false,
                    mirrorByDigestOnly: Bool = false, mirrors: [Mirror] = []) {
            self.prefix = prefix
            self.location = location
            self.insecure = insecure
            self.blocked = blocked
            self.mirrorByDigestOnly = mirrorByDigestOnly
            self.mirrors = mirrors
        }
    }

    /// One `[[registry.mirror]]` table, or a `--mirror HOST=URL`.
    public struct Mirror: Sendable, Equatable {
        /// `host[:port][/namespace…]`: the prefix's names are read from below it.
        public var location: String
        /// Plain HTTP (after HTTPS) and unverified TLS allowed.
        public var insecure = false
        /// Which references it serves.
        public var pullFromMirror = PullFromMirror.all
        /// `http` or `https` when spelled out (`--mirror HOST=http://…`); nil: HTTPS, then HTTP when `insecure`.
        public var scheme: String?

        public init(location: String, insecure: Bool = false, pullFromMirror: PullFromMirror = .all, scheme: String? = nil) {
            self.location = location
            self.insecure = insecure
            self.pullFromMirror = pullFromMirror
            self.scheme = scheme
        }
    }

    /// `pull-from-mirror`.
    public enum PullFromMirror: String, Sendable, Equatable {
        case all
        case digestOnly = "digest-only"
        case tagOnly = "tag-only"
    }

    /// The `[[registry]]` tables, one per prefix.
    public var registries: [Registry]
    /// Mirrors from the command line (`--mirror HOST=URL`) by prefix, tried before the file's.
    public var commandLineMirrors: [(prefix: String, mirror: Mirror)] = []
    /// The files read, in order, for messages.
    public var files: [String]

    /// No configuration: every name is read from its own registry.
    public static let empty = RegistriesConfiguration(registries: [], files: [])

    public init(registries: [Registry], files: [String]) {
        self.registries = registries
        self.files = files
    }

    public static func == (a: RegistriesConfiguration, b: RegistriesConfiguration) -> Bool {
        a.registries == b.registries && a.files == b.files
            && a.commandLineMirrors.map(\.prefix) == b.commandLineMirrors.map(\.prefix)
            && a.commandLineMirrors.map(\.mirror) == b.commandLineMirrors.map(\.mirror)
    }

    /// Adds `--mirror HOST=URL`: URL (`http://`, `https://` or bare
    /// `host[:port][/path]`, which is HTTPS) is tried first for names under HOST.
    public mutating func addMirror(_ argument: String) throws {
        guard let equals = argument.firstIndex(of: "="), equals != argument.startIndex else {
            throw ModelGetError.usage("--mirror wants HOST=URL (e.g. registry.ollama.ai=http://mirror.lan:5000), not \"\(argument)\"")
        }
        let prefix = String(argument[..<equals])
        var location = String(argument[argument.index(after: equals)...])
        var scheme: String?
        if let separator = location.range(of: "://") {
            scheme = location[..<separator.lowerBound].lowercased()
            location = String(location[separator.upperBound...])
        }
        while location.hasSuffix("/") { location.removeLast() }
        guard scheme == nil || scheme == "http" || scheme == "https", Self.isLocation(location), Self.isLocation(prefix) else {
            throw ModelGetError.usage("--mirror wants HOST=URL with URL http(s)://host[:port][/path], not \"\(argument)\"")
        }
        commandLineMirrors.append((prefix, Mirror(location: location, insecure: scheme == "http", scheme: scheme)))
    }

    /// The table whose prefix is the longest match for `reference`, if any.
    public func registry(for reference: Reference) -> Registry? {
        let name = Self.matchedName(reference)
        return registries.filter { Self.matchingPrefixLength(name, $0.prefix) != nil }.max { $0.prefix.count < $1.prefix.count }
    }

    /// Where a read of `reference` goes, in order: the command line's
    /// mirrors, the table's mirrors that serve this kind of reference,
    /// then the table's location (or the reference itself). Throws when
    /// the table blocks it.
    public func pullEndpoints(for reference: Reference, insecure: Bool) throws -> [RegistryEndpoint] {
        let name = Self.matchedName(reference)
        let table = registry(for: reference)
        if let table, table.blocked {
            throw ModelGetError.registryBlocked(reference: reference.description, by: table.file)
        }
        var endpoints: [RegistryEndpoint] = []
        for (prefix, mirror) in commandLineMirrors {
            guard let length = Self.matchingPrefixLength(name, prefix),
                  let endpoint = RegistryEndpoint(rewriting: name, after: length, to: mirror.location, scheme: mirror.scheme,
                                                  insecure: mirror.insecure, isMirror: true) else { continue }
            endpoints.append(endpoint)
        }
        if let table, let length = Self.matchingPrefixLength(name, table.prefix) {
            let pinned = reference.digest != nil
            for mirror in table.mirrors {
                if table.mirrorByDigestOnly && !pinned { continue }
                if mirror.pullFromMirror == .digestOnly && !pinned { continue }
                if mirror.pullFromMirror == .tagOnly && pinned { continue }
                if let endpoint = RegistryEndpoint(rewriting: name, after: length, to: mirror.location, scheme: mirror.scheme,
                                                   insecure: mirror.insecure, isMirror: true) {
                    endpoints.append(endpoint)
                }
            }
            if !table.location.isEmpty, table.location != table.prefix,
               let endpoint = RegistryEndpoint(rewriting: name, after: length, to: table.location, scheme: reference.scheme,
                                               insecure: insecure || table.insecure, isMirror: false) {
                endpoints.append(endpoint)
                return endpoints
            }
        }
        endpoints.append(RegistryEndpoint(reference: reference, insecure: insecure || (table?.insecure ?? false)))
        return endpoints
    }

    /// Whether pushing to `reference` is allowed (`blocked`) and may use plain HTTP (`insecure`).
    public func pushAccess(for reference: Reference, insecure: Bool) throws -> Bool {
        guard let table = registry(for: reference) else { return insecure }
        if table.blocked { throw ModelGetError.registryBlocked(reference: reference.description, by: table.file) }
        return insecure || table.insecure
    }

    /// The reference as containers/image matches prefixes against it:
    /// `host/repository[:tag][@digest]`, without a scheme.
    static func matchedName(_ reference: Reference) -> String {
        var name = reference.host + "/" + reference.repository
        if let tag = reference.tag { name += ":" + tag }
        if let digest = reference.digest { name += "@" + digest.description }
        return name
    }

    /// The length of `name` that `prefix` matches (containers/image's
    /// `refMatchingPrefix`): all of `prefix`, followed by the end, `/`,
    /// `:` or `@`; for `*.domain`, any subdomains of the domain in the host.
    static func matchingPrefixLength(_ name: String, _ prefix: String) -> Int? {
        if prefix.hasPrefix("*.") {
            let domain = prefix.dropFirst()
            guard let range = name.range(of: domain), !name[..<range.lowerBound].contains("/") else { return nil }
            let end = name.distance(from: name.startIndex, to: range.upperBound)
            return range.upperBound == name.endIndex || ":/@".contains(name[range.upperBound]) ? end : nil
        }
        guard name.hasPrefix(prefix) else { return nil }
        if name.count == prefix.count { return prefix.count }
        let next = name[name.index(name.startIndex, offsetBy: prefix.count)]
        return next == ":" || next == "/" || next == "@" ? prefix.count : nil
    }

    /// `host[:port][/path]` with no scheme, white space or empty component.
    static func isLocation(_ text: String) -> Bool {
        !text.isEmpty && !text.contains("://") && !text.hasPrefix("/")
            && !text.contains { $0.isWhitespace || $0 == "?" || $0 == "#" || $0 == "@" }
            && !text.split(separator: "/", omittingEmptySubsequences: false).contains { $0.isEmpty }
    }
}

/// One place an image is read from: a mirror or the registry itself,
/// with the repository and tag or digest as that place names them.
public struct RegistryEndpoint: Sendable, Equatable {
    /// The reference on that host (its repository may differ from the name's).
    public var reference: Reference
    /// Plain HTTP and unverified TLS allowed.
    public var insecure: Bool
    /// A mirror: it never gets the origin's credentials, and any failure hands over to the next source.
    public var isMirror: Bool

    public init(reference: Reference, insecure: Bool, isMirror: Bool = false) {
        self.reference = reference
        self.insecure = insecure
        self.isMirror = isMirror
    }

    /// `name` with its first `length` characters replaced by `location`,
    /// split into host, repository, tag and digest; nil when that is not a name.
    init?(rewriting name: String, after length: Int, to location: String, scheme: String?, insecure: Bool, isMirror: Bool) {
        let rewritten = location + name.dropFirst(length)
        guard let slash = rewritten.firstIndex(of: "/") else { return nil }
        let host = String(rewritten[..<slash])
        var rest = rewritten[rewritten.index(after: slash)...]
        var digest: Digest?
        if let at = rest.lastIndex(of: "@") {
            guard let parsed = try? Digest(String(rest[rest.index(after: at)...])) else { return nil }
            digest = parsed
            rest = rest[..<at]
        }
        var tag: String?
        if let colon = rest.lastIndex(of: ":"), !rest[colon...].contains("/") {
            tag = String(rest[rest.index(after: colon)...])
            rest = rest[..<colon]
        }
        let components = rest.split(separator: "/", omittingEmptySubsequences: false)
        guard !host.isEmpty, let last = components.last, !components.contains(where: \.isEmpty) else { return nil }
        let reference = Reference(scheme: scheme, host: host, namespace: components.dropLast().joined(separator: "/"),
                                  name: String(last), tag: tag, digest: digest)
        self.init(reference: reference, insecure: insecure || scheme == "http", isMirror: isMirror)
    }

    /// `host/repository` for messages.
    public var name: String { reference.host + "/" + reference.repository }
}
