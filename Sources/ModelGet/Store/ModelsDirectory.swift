import Foundation

/// Which models directory a command uses, chosen as ollama chooses it.
public enum ModelsDirectory {
    /// The store of ollama's Linux service (user `ollama`, `scripts/install.sh`).
    public static let serviceStore = "/usr/share/ollama/.ollama/models"

    /// The directory chosen, and a note for the user when it is not the
    /// one they would expect.
    public struct Choice: Sendable, Equatable {
        public var root: URL
        /// Set when the service store was chosen because the user's own
        /// store does not exist.
        public var note: String?
    }

    /// `explicit` (`--models`), else `OLLAMA_MODELS` trimmed as ollama
    /// trims it, else `~/.ollama/models`, except that when that does not
    /// exist and `serviceStore` does, the service store (with a note).
    public static func choose(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
                              serviceStore: String = serviceStore) -> Choice {
        if let explicit { return Choice(root: URL(fileURLWithPath: explicit)) }
        let configured = trimmed(environment["OLLAMA_MODELS"] ?? "")
        if !configured.isEmpty { return Choice(root: URL(fileURLWithPath: configured)) }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        let own = URL(fileURLWithPath: home).appendingPathComponent(".ollama/models")
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: own.path),
           FileManager.default.fileExists(atPath: serviceStore, isDirectory: &isDirectory), isDirectory.boolValue {
            return Choice(root: URL(fileURLWithPath: serviceStore),
                          note: "using ollama's service store \(serviceStore) (\(own.path) does not exist; set --models or OLLAMA_MODELS to choose)")
        }
        return Choice(root: own)
    }

    /// ollama's `envconfig.Var`: white space trimmed, then every leading
    /// and trailing `"` and `'`.
    public static func trimmed(_ value: String) -> String {
        let quotes: Set<Character> = ["\"", "'"]
        var text = Substring(value.trimmingCharacters(in: .whitespacesAndNewlines))
        while let first = text.first, quotes.contains(first) { text = text.dropFirst() }
        while let last = text.last, quotes.contains(last) { text = text.dropLast() }
        return String(text)
    }
}

extension ModelStore {
    /// `$OLLAMA_MODELS` (trimmed as ollama trims it), else `~/.ollama/models`
    /// (or the service store, see `ModelsDirectory.choose`).
    public static func defaultRoot(environment: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        ModelsDirectory.choose(explicit: nil, environment: environment).root
    }
}
