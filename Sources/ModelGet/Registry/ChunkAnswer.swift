import Foundation

/// How a registry answered one `PATCH` of an upload.
package enum ChunkAnswer: Sendable, Equatable {
    /// `202`: the registry holds the bytes; the session continues at this URL.
    case accepted(URL)
    /// `307` (ollama's redirect uploads): the part goes by `PUT` to
    /// `storage` (a presigned URL, no credentials); the session continues
    /// at `next` (`Docker-Upload-Location`).
    case redirected(next: URL, storage: URL)
}
