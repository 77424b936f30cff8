import Foundation
import ModelGet

/// Finds what a served name means in the store, the way ollama resolves
/// names (`getExistingName`): each of host, namespace, model and tag
/// matches an existing entry case-insensitively, an exact match first.
/// Only real directories and regular files are followed (`lstat`, never a
/// symbolic link), so nothing outside `manifests/` is ever opened.
///
/// This is the one place that maps names to store paths; when the store
/// gains its own case-insensitive lookup, this is what switches to it.
/// Out of file descriptors, every lookup throws
/// `DistributionError.outOfDescriptors` rather than reporting nothing found.
struct StoreLookup: Sendable {
    let store: ModelStore

    /// `manifests/<host>/<namespace>/<model>` as it exists on disk, or nil.
    func modelDirectory(_ name: ServedName) throws -> String? {
        var path = store.manifestsDirectory
        for part in [name.host, name.namespace, name.model] {
            guard let entry = try Self.entry(in: path, matching: part, type: S_IFDIR) else { return nil }
            path += "/" + entry
        }
        return path
    }

    /// The manifest file for `tag` in a model directory, or nil.
    func manifestFile(in directory: String, tag: String) throws -> String? {
        try Self.entry(in: directory, matching: tag, type: S_IFREG).map { directory + "/" + $0 }
    }

    /// The tags a model directory holds: regular, non-hidden files whose
    /// names are valid tags, sorted.
    func tags(in directory: String) throws -> [String] {
        try Self.entries(of: directory).filter { ServedName.isValidTag(Substring($0)) && Self.type(of: directory + "/" + $0) == S_IFREG }.sorted()
    }

    /// Every model the store holds as a client can name it
    /// (`ServedName.servedForm`: `[host/]namespace/model`, the host left out
    /// when it is `defaultHost`, `HOST:PORT` as `HOST_PORT`, lower case),
    /// sorted and without repeats; a name no client could pull is left out.
    func repositories(defaultHost: String) throws -> [String] {
        var names = Set<String>()
        let root = store.manifestsDirectory
        for host in try Self.directories(in: root) where ServedName.isValidHost(host) {
            for namespace in try Self.directories(in: root + "/" + host) where ServedName.isValidPart(namespace, allowDot: false, maxLength: 80) {
                for model in try Self.directories(in: root + "/" + host + "/" + namespace)
                where ServedName.isValidPart(model, allowDot: true, maxLength: 80) {
                    let directory = [root, host, namespace, model].joined(separator: "/")
                    guard try !tags(in: directory).isEmpty else { continue }
                    if let name = ServedName.servedForm(host: host, namespace: namespace, model: model, defaultHost: defaultHost) {
                        names.insert(name)
                    }
                }
            }
        }
        return names.sorted()
    }

    /// The entry of `directory` named `name` (exactly, else ignoring case)
    /// whose type (without following links) is `type`.
    private static func entry(in directory: String, matching name: String, type wanted: mode_t) throws -> String? {
        if type(of: directory + "/" + name) == wanted { return name }
        let lowered = name.lowercased()
        return try entries(of: directory).sorted().first { $0.lowercased() == lowered && type(of: directory + "/" + $0) == wanted }
    }

    private static func directories(in directory: String) throws -> [String] {
        try entries(of: directory).filter { !$0.hasPrefix(".") && type(of: directory + "/" + $0) == S_IFDIR }.sorted()
    }

    /// The names in `directory` (none when it cannot be read), or
    /// `outOfDescriptors` when it could not be opened for want of one.
    private static func entries(of directory: String) throws -> [String] {
        guard let stream = opendir(directory) else {
            try DistributionError.checkDescriptors()
            return []
        }
        defer { closedir(stream) }
        var names: [String] = []
        while let entry = readdir(stream) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    private static func type(of path: String) -> mode_t? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return info.st_mode & S_IFMT
    }
}
