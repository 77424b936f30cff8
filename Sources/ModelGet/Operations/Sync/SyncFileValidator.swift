import Foundation

/// Checks a decoded sync file field by field, naming the line of the
/// field at fault.
struct SyncFileValidator {
    let path: String
    let positions: JSONPositions

    static let topLevelKeys = ["models", "models_dir", "mirror", "concurrency"]
    static let entryKeys = ["name", "insecure", "platform"]
    static let mirrorKeys = ["registry", "insecure"]

    func fail(_ field: String?, _ reason: String) -> ModelGetError {
        .invalidSyncFile(path: path, line: positions.line(of: field ?? ""), field: field, reason: reason)
    }

    func validate(_ object: Any) throws -> SyncFile {
        guard let top = object as? [String: Any] else { throw fail(nil, "want a JSON object with a \"models\" list") }
        try checkKeys(top, allowed: Self.topLevelKeys, at: nil)
        guard let list = top["models"] else { throw fail(nil, "missing \"models\" (the list of models to sync)") }
        guard let items = list as? [Any] else { throw fail("models", "want a list of model names") }
        var models: [SyncFile.Entry] = []
        var seen: [String: Int] = [:]
        for (index, item) in items.enumerated() {
            let entry = try self.entry(item, field: "models[\(index)]")
            let key = entry.reference.host + "/" + entry.reference.repository + ":" + entry.reference.storeTag
            if let first = seen[key] {
                throw fail("models[\(index)]", "\(entry.reference.displayName) is listed twice (first on line \(first))")
            }
            seen[key] = entry.line
            models.append(entry)
        }
        var file = SyncFile(models: models)
        if let dir = top["models_dir"] {
            guard let text = dir as? String, !text.isEmpty else { throw fail("models_dir", "want a directory path") }
            file.modelsDirectory = resolveDirectory(text)
        }
        if let mirror = top["mirror"] { file.mirror = try self.mirror(mirror) }
        if let concurrency = top["concurrency"] {
            guard let number = concurrency as? NSNumber, !isBool(number), let value = Int(exactly: number.doubleValue),
                  (1...1024).contains(value) else {
                throw fail("concurrency", "want a whole number from 1 to 1024")
            }
            file.concurrency = value
        }
        return file
    }

    private func entry(_ item: Any, field: String) throws -> SyncFile.Entry {
        let line = positions.line(of: field) ?? 0
        if let name = item as? String {
            return SyncFile.Entry(reference: try reference(name, field: field), insecure: false, platform: nil, line: line)
        }
        guard let object = item as? [String: Any] else {
            throw fail(field, "want a model name or an object with \"name\"")
        }
        try checkKeys(object, allowed: Self.entryKeys, at: field)
        guard let name = object["name"] as? String else {
            throw fail(object["name"] == nil ? field : field + ".name", "want \"name\": a model name")
        }
        var entry = SyncFile.Entry(reference: try reference(name, field: field + ".name"), insecure: false, platform: nil, line: line)
        if let insecure = object["insecure"] { entry.insecure = try bool(insecure, field: field + ".insecure") }
        if let platform = object["platform"] {
            guard let text = platform as? String, let parsed = try? Platform(parsing: text) else {
                throw fail(field + ".platform", "want os/arch[/variant], e.g. linux/amd64")
            }
            entry.platform = parsed
        }
        return entry
    }

    private func mirror(_ value: Any) throws -> SyncFile.Mirror {
        var registry: String
        var insecure = false
        var field = "mirror"
        if let text = value as? String {
            registry = text
        } else if let object = value as? [String: Any] {
            try checkKeys(object, allowed: Self.mirrorKeys, at: "mirror")
            guard let text = object["registry"] as? String else { throw fail("mirror", "want \"registry\": host[:port][/prefix]") }
            registry = text
            field = "mirror.registry"
            if let flag = object["insecure"] { insecure = try bool(flag, field: "mirror.insecure") }
        } else {
            throw fail("mirror", "want host[:port][/prefix] or {\"registry\": …, \"insecure\": …}")
        }
        if registry.hasSuffix("/") { registry.removeLast() }
        let parts = registry.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let host = parts[0]
        do {
            try Reference.validateHost(host) { ModelGetError.usage($0) }
        } catch {
            throw fail(field, "\(error)")
        }
        guard Reference.looksLikeHost(host) else { throw fail(field, "\"\(host)\" is not a registry host (want host[:port])") }
        let prefix = Array(parts.dropFirst())
        for part in prefix {
            try Reference.check(.nestedNamespace, part) { fail(field, "the path after the host: \($0)") }
        }
        return SyncFile.Mirror(host: host, prefix: prefix, insecure: insecure)
    }

    private func reference(_ text: String, field: String) throws -> Reference {
        do {
            return try Reference(parsing: text)
        } catch let ModelGetError.invalidReference(_, reason) {
            throw fail(field, "\"\(text.prefix(100))\" is not a model name: \(reason)")
        }
    }

    private func bool(_ value: Any, field: String) throws -> Bool {
        guard let number = value as? NSNumber, isBool(number) else { throw fail(field, "want true or false") }
        return number.boolValue
    }

    /// JSONSerialization gives booleans and numbers as NSNumber; a boolean
    /// is the one whose type is `CFBoolean`.
    private func isBool(_ number: NSNumber) -> Bool {
        number === NSNumber(value: true) || number === NSNumber(value: false)
            || String(cString: number.objCType) == "c" && (number.intValue == 0 || number.intValue == 1) && type(of: number) != NSNumber.self
    }

    private func checkKeys(_ object: [String: Any], allowed: [String], at field: String?) throws {
        for key in object.keys.sorted() where !allowed.contains(key) {
            let member = field.map { $0 + "." + key } ?? key
            throw fail(member, "unknown field \"\(key)\" (known: \(allowed.joined(separator: ", ")))")
        }
    }

    private func resolveDirectory(_ text: String) -> URL {
        let expanded = (text as NSString).expandingTildeInPath
        if expanded.hasPrefix("/") { return URL(fileURLWithPath: expanded) }
        let base = (path as NSString).deletingLastPathComponent
        return URL(fileURLWithPath: (base.isEmpty ? "." : base) + "/" + expanded).standardizedFileURL
    }
}
