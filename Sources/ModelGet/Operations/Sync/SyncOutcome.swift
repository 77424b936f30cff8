import Foundation

/// What happened to one listed model.
public struct SyncOutcome: Sendable {
    public enum Status: Sendable, Equatable {
        /// The store already held it; nothing was fetched.
        case upToDate
        /// Fetched (at least its manifest changed) and stored.
        case pulled
        /// Not synced; the reason says why.
        case failed(String)
    }

    public var reference: Reference
    public var status: Status
    /// Where it was pushed, when the file names a mirror and the push worked.
    public var mirroredTo: Reference?
}
