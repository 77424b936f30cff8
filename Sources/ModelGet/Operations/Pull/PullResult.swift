import Foundation

/// What a finished pull did.
public struct PullResult: Sendable, Equatable {
    public var reference: String
    public var manifestDigest: String
    public var blobs: Int
    public var totalBytes: Int64
    /// Blobs that were already in the store.
    public var blobsPresent: Int
    /// Bytes that crossed the network.
    public var bytesTransferred: Int64
}
