import Foundation

/// An upload session in progress: its newest URL and how many bytes the
/// registry holds. Chunked uploads save it after every chunk (see
/// `SavedUploadSessions`) so an interrupted push continues where it stopped.
struct UploadSession: Sendable {
    /// The newest `Location` the registry gave (with its `_state`).
    var url: URL
    /// Bytes the registry has received.
    var offset: Int64
}

/// Unfinished chunked uploads remembered in the store, one small file per
/// blob and destination holding the session URL. The URL carries the
/// registry's signed session state, not a credential; files are 0600.
struct SavedUploadSessions: Sendable {
    let store: ModelStore
    let host: String
    let repository: String

    /// The remembered session URL for `digest`, if any.
    func load(_ digest: Digest) -> URL? {
        let path = store.uploadSessionPath(host: host, repository: repository, digest: digest)
        guard let data = FileManager.default.contents(atPath: path),
              let text = String(data: data, encoding: .utf8) else { return nil }
        return URL(string: text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Remembers the newest session URL for `digest`.
    func save(_ url: URL, for digest: Digest) throws {
        let path = store.uploadSessionPath(host: host, repository: repository, digest: digest)
        try FileIO.writeAtomically(Data(url.absoluteString.utf8), to: path)
        chmod(path, 0o600)
    }

    /// Forgets the session for `digest` (finished, or gone on the registry).
    func remove(_ digest: Digest) {
        unlink(store.uploadSessionPath(host: host, repository: repository, digest: digest))
    }
}
