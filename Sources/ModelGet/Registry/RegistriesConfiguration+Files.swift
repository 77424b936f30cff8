import Foundation
import TOMLKit

/// Reading registries.conf where containers/image reads it
/// (`pkg/sysregistriesv2`): `$CONTAINERS_REGISTRIES_CONF` when set (then
/// both drop-in directories below too), else
/// `~/.config/containers/registries.conf` when it exists (then only
/// `~/.config/containers/registries.conf.d/`), else
/// `/etc/containers/registries.conf` (a missing one is empty) with
/// `/etc/containers/registries.conf.d/` and then
/// `~/.config/containers/registries.conf.d/`. Drop-ins are the `*.conf`
/// files of each directory in name order; a drop-in's `[[registry]]`
/// replaces the one with the same prefix. The old version 1 format
/// (`[registries.insecure]`, `[registries.block]`) is read in the main
/// file. A file that does not parse, or that the rules of
/// containers-registries.conf(5) refuse, is an error naming it.
extension RegistriesConfiguration {
    /// The configuration the files named by `environment` hold.
    public static func load(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> RegistriesConfiguration {
        let home = environment["HOME"] ?? NSHomeDirectory()
        let userFile = home + "/.config/containers/registries.conf"
        let userDirectory = home + "/.config/containers/registries.conf.d"
        let systemDirectory = "/etc/containers/registries.conf.d"
        var main: String
        var directories: [String]
        var mainMayBeMissing = true
        if let explicit = environment["CONTAINERS_REGISTRIES_CONF"], !explicit.isEmpty {
            main = explicit
            directories = [systemDirectory, userDirectory]
            mainMayBeMissing = false
        } else if FileManager.default.fileExists(atPath: userFile) {
            main = userFile
            directories = [userDirectory]
        } else {
            main = "/etc/containers/registries.conf"
            directories = [systemDirectory, userDirectory]
        }
        var configuration = RegistriesConfiguration.empty
        if let text = try read(main, mayBeMissing: mainMayBeMissing) {
            configuration.merge(try parse(text, path: main, allowVersion1: true), from: main)
        }
        for directory in directories {
            let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".conf") }.sorted()
            for name in names {
                let path = directory + "/" + name
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
                      let text = try read(path, mayBeMissing: true) else { continue }
                configuration.merge(try parse(text, path: path, allowVersion1: false), from: path)
            }
        }
        return configuration
    }

    /// The registries of `text` (one file), checked as containers/image checks them.
    static func parse(_ text: String, path: String, allowVersion1: Bool) throws -> [Registry] {
        let file: FileContents
        do {
            file = try TOMLDecoder().decode(FileContents.self, from: text)
        } catch let error as TOMLParseError {
            throw ModelGetError.invalidConfiguration(path: path, reason: "line \(error.source.begin.line): \(error.description)")
        } catch let error as DecodingError {
            throw ModelGetError.invalidConfiguration(path: path, reason: describe(error))
        }
        var registries = file.registry ?? []
        if let version1 = file.registries {
            guard allowVersion1 else {
                throw ModelGetError.invalidConfiguration(path: path, reason: "a drop-in file must be in the version 2 format, not [registries]")
            }
            guard registries.isEmpty else {
                throw ModelGetError.invalidConfiguration(path: path, reason: "mixes the version 1 [registries] table with version 2 [[registry]] tables")
            }
            var order: [String] = []
            var converted: [String: FileContents.RegistryTable] = [:]
            for (list, blocked) in [(version1.block?.registries ?? [], true), (version1.insecure?.registries ?? [], false)] {
                for location in list {
                    if converted[location] == nil { order.append(location) }
                    var table = converted[location] ?? FileContents.RegistryTable(location: location)
                    if blocked { table.blocked = true } else { table.insecure = true }
                    converted[location] = table
                }
            }
            registries = order.compactMap { converted[$0] }
        }
        var result: [Registry] = []
        for (index, table) in registries.enumerated() {
            func fail(_ reason: String) -> ModelGetError {
                .invalidConfiguration(path: path, reason: "[[registry]] \(index + 1): \(reason)")
            }
            let location = try checkedLocation(table.location ?? "", fail)
            var prefix = try checkedLocation(table.prefix ?? "", fail)
            if prefix.isEmpty {
                guard !location.isEmpty else { throw fail("both location and prefix are unset") }
                prefix = location
            } else if !prefix.hasPrefix("*.") && location.isEmpty {
                throw fail("location is unset and prefix \"\(prefix)\" is not *.domain")
            }
            if prefix.hasPrefix("*.") && prefix.contains(where: { "/@:".contains($0) }) {
                throw fail("a wildcard prefix is *.domain, without a port or path: \"\(prefix)\"")
            }
            if table.pullFromMirror != nil { throw fail("pull-from-mirror is for a [[registry.mirror]], not the registry") }
            var registry = Registry(prefix: prefix, location: location, insecure: table.insecure ?? false,
                                    blocked: table.blocked ?? false, mirrorByDigestOnly: table.mirrorByDigestOnly ?? false)
            for mirrorTable in table.mirror ?? [] {
                let mirrorLocation = try checkedLocation(mirrorTable.location ?? "", fail)
                guard !mirrorLocation.isEmpty else { throw fail("a mirror's location is unset") }
                var mirror = Mirror(location: mirrorLocation, insecure: mirrorTable.insecure ?? false)
                if let use = mirrorTable.pullFromMirror, !use.isEmpty {
                    guard let parsed = PullFromMirror(rawValue: use) else {
                        throw fail("pull-from-mirror \"\(use)\" of mirror \(mirrorLocation) is not all, digest-only or tag-only")
                    }
                    guard !registry.mirrorByDigestOnly else {
                        throw fail("mirror-by-digest-only and a mirror's pull-from-mirror cannot be set together")
                    }
                    mirror.pullFromMirror = parsed
                }
                registry.mirrors.append(mirror)
            }
            result.append(registry)
        }
        // The same location named twice must agree on insecure and blocked.
        var seen: [String: Registry] = [:]
        for registry in result {
            let key = registry.location.isEmpty ? registry.prefix : registry.location
            if let other = seen[key], other.insecure != registry.insecure || other.blocked != registry.blocked {
                throw ModelGetError.invalidConfiguration(path: path, reason: "registry \(key) is defined more than once with different insecure or blocked settings")
            }
            seen[key] = registry
        }
        return result
    }

    /// Adds `registries` from one more file: one with a prefix already
    /// present replaces it (the first of a file wins within that file).
    mutating func merge(_ added: [Registry], from path: String) {
        var byPrefix = Dictionary(registries.map { ($0.prefix, $0) }, uniquingKeysWith: { first, _ in first })
        var fromThisFile = Set<String>()
        for var registry in added where fromThisFile.insert(registry.prefix).inserted {
            registry.file = path
            byPrefix[registry.prefix] = registry
        }
        registries = byPrefix.keys.sorted().compactMap { byPrefix[$0] }
        files.append(path)
    }

    /// `text` without trailing slashes; an error for a URL scheme (containers/image refuses one).
    private static func checkedLocation(_ text: String, _ fail: (String) -> ModelGetError) throws -> String {
        var trimmed = text
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        if trimmed.hasPrefix("http://") || trimmed.hasPrefix("https://") {
            throw fail("\"\(text)\": URI schemes are not supported (set insecure = true for plain HTTP)")
        }
        guard trimmed.isEmpty || trimmed.hasPrefix("*.") || isLocation(trimmed) else {
            throw fail("\"\(text)\" is not host[:port][/path]")
        }
        return trimmed
    }

    /// The file's text; nil when it is missing and may be.
    private static func read(_ path: String, mayBeMissing: Bool) throws -> String? {
        guard let data = FileManager.default.contents(atPath: path) else {
            if mayBeMissing && !FileManager.default.fileExists(atPath: path) { return nil }
            throw ModelGetError.invalidConfiguration(path: path, reason: FileManager.default.fileExists(atPath: path) ? "cannot be read" : "no such file")
        }
        guard data.count <= 4 << 20, let text = String(data: data, encoding: .utf8) else {
            throw ModelGetError.invalidConfiguration(path: path, reason: "not a UTF-8 text file of at most 4 MiB")
        }
        return text
    }

    /// One line for a value of the wrong type, naming its place
    /// (`registry.2.insecure`). TOMLKit reports a value of the wrong type
    /// as a missing key, so both read the same.
    private static func describe(_ error: DecodingError) -> String {
        var path: [CodingKey]
        switch error {
        case let .typeMismatch(_, context), let .valueNotFound(_, context), let .dataCorrupted(context):
            path = context.codingPath
        case let .keyNotFound(key, context):
            path = context.codingPath
            if path.last?.stringValue != key.stringValue { path.append(key) }
        @unknown default:
            return "\(error)"
        }
        let place = path.map { $0.intValue.map { "\($0 + 1)" } ?? $0.stringValue }.joined(separator: ".")
        return "\(place) has the wrong type (see containers-registries.conf(5))"
    }

    /// The tables of one file as written; every key optional.
    struct FileContents: Decodable {
        struct MirrorTable: Decodable {
            var location: String?
            var insecure: Bool?
            var pullFromMirror: String?

            enum CodingKeys: String, CodingKey {
                case location, insecure
                case pullFromMirror = "pull-from-mirror"
            }
        }

        struct RegistryTable: Decodable {
            var prefix: String?
            var location: String?
            var insecure: Bool?
            var blocked: Bool?
            var mirrorByDigestOnly: Bool?
            var pullFromMirror: String?
            var mirror: [MirrorTable]?

            init(location: String) { self.location = location }

            enum CodingKeys: String, CodingKey {
                case prefix, location, insecure, blocked, mirror
                case mirrorByDigestOnly = "mirror-by-digest-only"
                case pullFromMirror = "pull-from-mirror"
            }
        }

        /// Version 1: `[registries.search]`, `[registries.insecure]`, `[registries.block]`.
        struct Version1: Decodable {
            struct List: Decodable { var registries: [String]? }
            var insecure: List?
            var block: List?
        }

        var registry: [RegistryTable]?
        var registries: Version1?
    }
}
