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
struct StoreLookup: Sendable {
    let store: ModelStore

    /// `manifests/<host>/<namespace>/<model>` as it exists on disk, or nil.
    func modelDirectory(_ name: ServedName) -> String? {
        var path = store.manifestsDirectory
        for part in [name.host, name.namespace, name.model] {
            guard let entry = Self.entry(in: path, matching: part, type: S_IFDIR) else { return nil }
            path += "/" + entry
        }
        return path
    }

    /// The manifest file for `tag` in a model directory, or nil.
    func manifestFile(in directory: String, tag: String) -> String? {
        Self.entry(in: directory, matching: tag, type: S_IFREG).map { directory + "/" + $0 }
    }

    /// The tags a model directory holds: regular, non-hidden files whose
    /// names are valid tags, sorted.
    func tags(in directory: String) -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return entries.filter { ServedName.isValidTag(Substring($0)) && Self.type(of: directory + "/" + $0) == S_IFREG }.sorted()
    }

    /// Every model the store holds as a client can name it
    /// (`ServedName.servedForm`: `[host/]namespace/model`, the host left out
    /// when it is `defaultHost`, `HOST:PORT` as `HOST_PORT`, lower case),
    /// sorted and without repeats; a name no client could pull is left out.
    func repositories(defaultHost: String) -> [String] {
        var names = Set<String>()
        let root = store.manifestsDirectory
        for host in Self.directories(in: root) where ServedName.isValidHost(host) {
            for namespace in Self.directories(in: root + "/" + host) where ServedName.isValidPart(namespace, allowDot: false, maxLength: 80) {
                for model in Self.directories(in: root + "/" + host + "/" + namespace)
                where ServedName.isValidPart(model, allowDot: true, maxLength: 80) {
                    let directory = [root, host, namespace, model].joined(separator: "/")
                    guard !tags(in: directory).isEmpty else { continue }
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
    private static func entry(in directory: String, matching name: String, type wanted: mode_t) -> String? {
        if type(of: directory + "/" + name) == wanted { return name }
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let lowered = name.lowercased()
        return entries.sorted().first { $0.lowercased() == lowered && type(of: directory + "/" + $0) == wanted }
    }

    private static func directories(in directory: String) -> [String] {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return entries.filter { !$0.hasPrefix(".") && type(of: directory + "/" + $0) == S_IFDIR }.sorted()
    }

    private static func type(of path: String) -> mode_t? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return info.st_mode & S_IFMT
    }
}
