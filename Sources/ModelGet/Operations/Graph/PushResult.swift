/// What a finished push or copy did, blob by blob.
public struct PushResult: Sendable, Equatable {
    /// The destination, fully spelled out.
    public var reference: String
    /// The digest of the manifest put last.
    public var manifestDigest: String
    /// Blobs the manifest names, and their bytes.
    public var blobs: Int
    public var totalBytes: Int64
    /// Blobs the destination already held (`HEAD` answered 200).
    public var skipped: Int
    public var skippedBytes: Int64
    /// Blobs mounted from another repository of the same registry.
    public var mounted: Int
    public var mountedBytes: Int64
    /// Blobs uploaded, and their sizes.
    public var sent: Int
    public var sentBytes: Int64
    /// Request-body bytes that went over the network for blobs, retries
    /// included; less than `sentBytes` when a session was resumed.
    public var bytesTransferred: Int64
}
