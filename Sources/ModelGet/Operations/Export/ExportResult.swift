import Foundation

/// What an export wrote.
public struct ExportResult: Sendable {
    public var path: String
    public var manifestDigest: Digest
    public var blobs: Int
    public var bytes: Int64
}
