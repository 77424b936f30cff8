import Foundation

/// How `POST /v2/<repository>/blobs/uploads/` answered.
package enum UploadStart: Sendable, Equatable {
    /// `201`: the blob was mounted from another repository; nothing to send.
    case mounted
    /// `202`: an upload session, at this URL. `redirects` when the registry
    /// named it in `Docker-Upload-Location`, as registry.ollama.ai does: it
    /// takes parts by the redirect-upload protocol (see `uploadChunk`).
    case session(URL, redirects: Bool)
}
