import Foundation

/// What an export did.
public struct BlobExportResult: Sendable {
    /// The blob exported.
    public var descriptor: Descriptor
    /// How it was placed when it came from the store; nil when downloaded.
    public var placement: PlacementMethod?
    /// Bytes that crossed the network (0 when the store had the blob).
    public var bytesTransferred: Int64
}
