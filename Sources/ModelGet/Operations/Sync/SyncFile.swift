import Foundation

/// A model list for `modelget sync` (see `models.example.json`):
///
/// ```json
/// {
///   "models_dir": "~/.ollama/models",
///   "mirror": {"registry": "mirror.local:5000/ollama", "insecure": true},
///   "concurrency": 32,
///   "models": ["llama3.2:1b", {"name": "127.0.0.1:5000/team/tiny:v1", "insecure": true, "platform": "linux/amd64"}]
/// }
/// ```
///
/// Only `models` is required. Every error names the file, the line and
/// the field at fault.
public struct SyncFile: Sendable {
    /// One model of the list.
    public struct Entry: Sendable, Equatable {
        public var reference: Reference
        /// Plain HTTP and unverified TLS allowed for its registry.
        public var insecure: Bool
        /// The platform chosen from an image index (default: this machine's).
        public var platform: Platform?
        /// The line of the file that names it.
        public var line: Int
    }

    /// A registry every model is pushed to after it is pulled.
    public struct Mirror: Sendable, Equatable {
        /// `host[:port]`.
        public var host: String
        /// Path components put before each model's own repository.
        public var prefix: [String]
        public var insecure: Bool

        /// Where `reference` goes: `host/prefix/namespace/name:tag`.
        public func destination(for reference: Reference) -> Reference {
            Reference(host: host, namespace: (prefix + [reference.namespace]).joined(separator: "/"),
                      name: reference.name, tag: reference.storeTag, digest: nil)
        }
    }

    public var models: [Entry]
    /// The models directory the file names (`~` expanded, relative to the file).
    public var modelsDirectory: URL?
    public var mirror: Mirror?
    /// Transfers at once across all models.
    public var concurrency: Int?

    /// Reads and validates a sync file.
    public static func load(path: String) throws -> SyncFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelGetError.fileSystem(path: path, reason: "cannot read the sync file")
        }
        return try parse(data, path: path)
    }

    /// Validates a sync file's bytes; `path` is used in messages and to
    /// resolve a relative `models_dir`.
    public static func parse(_ data: Data, path: String) throws -> SyncFile {
        let positions: JSONPositions
        do {
            positions = try JSONPositions(scanning: data)
        } catch let error as JSONPositions.SyntaxError {
            let line = JSONPositions.lineOf(offset: error.offset, in: data)
            throw ModelGetError.invalidSyncFile(path: path, line: line, field: nil, reason: "not valid JSON: \(error.reason)")
        }
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            let index = (error as NSError).userInfo["NSJSONSerializationErrorIndex"] as? Int
            throw ModelGetError.invalidSyncFile(path: path, line: index.map { JSONPositions.lineOf(offset: $0, in: data) },
                                                field: nil, reason: "not valid JSON")
        }
        return try SyncFileValidator(path: path, positions: positions).validate(object)
    }
}

extension JSONPositions {
    /// The 1-based line of a byte offset in `data`.
    static func lineOf(offset: Int, in data: Data) -> Int {
        1 + data.prefix(offset).reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
    }
}
