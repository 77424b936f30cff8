import Foundation

/// A manifest file the store holds that modelget cannot read.
public struct UnreadableManifest: Error, Sendable, Equatable {
    /// The file.
    public let path: String
    /// Why it could not be read.
    public let reason: String
    /// Every well-formed `sha256:<hex>` its bytes mention: blobs the
    /// prune and remove steps keep, since the manifest may still need them.
    public let mentionedDigests: Set<Digest>
    /// True when its bytes (or a folder's entries) could not be read at
    /// all, so the blobs it needs are unknown: nothing may be deleted.
    public let blocksDeletion: Bool

    public init(path: String, reason: String, mentionedDigests: Set<Digest> = [], blocksDeletion: Bool = false) {
        self.path = path
        self.reason = reason
        self.mentionedDigests = mentionedDigests
        self.blocksDeletion = blocksDeletion
    }
}
