import Foundation

/// Unfinished chunked uploads remembered in the store, one small file per
/// blob and destination holding the session URL. The URL carries the
/// registry's signed session state, not a credential; files are 0600.
struct SavedUploadSessions: Sendable {
    let store: ModelStore
    let host: String
    let repository: String

    /// The remembered session URL for `digest`, if any.
    func load(_ digest: Digest) -> URL? {
        store.uploadSession(host: host, repository: repository, digest: digest)
    }

    /// Remembers the newest session URL for `digest`.
    func save(_ url: URL, for digest: Digest) throws {
        try store.saveUploadSession(url, host: host, repository: repository, digest: digest)
    }

    /// Forgets the session for `digest` (finished, or gone on the registry).
    func remove(_ digest: Digest) {
        store.removeUploadSession(host: host, repository: repository, digest: digest)
    }
}
