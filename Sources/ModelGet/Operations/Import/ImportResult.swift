import Foundation

/// What an import stored.
public struct ImportResult: Sendable {
    public var reference: Reference
    public var manifestDigest: Digest
    public var blobs: Int
    /// Blobs the store did not hold before.
    public var blobsAdded: Int
    public var bytes: Int64
    /// The manifest the name held before, if it held one (the same
    /// digest as `manifestDigest` when the import changed nothing).
    public var previousDigest: Digest?
}
