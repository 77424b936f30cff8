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
