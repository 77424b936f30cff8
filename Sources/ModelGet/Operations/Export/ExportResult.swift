import Foundation

/// What an export wrote.
public struct ExportResult: Sendable {
    public var path: String
    public var manifestDigest: Digest
    /// The blobs the manifest names (the config and the layers, once each), as pull and import count them.
    public var blobs: Int
    /// Their bytes (the manifest not included).
    public var bytes: Int64
}
