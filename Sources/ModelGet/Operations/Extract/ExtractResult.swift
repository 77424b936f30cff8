import Foundation

/// What an extraction did.
public struct ExtractResult: Sendable {
    /// The directory written.
    public var directory: String
    /// Layers applied, in order.
    public var layers: Int
    /// Layers read from the store rather than the registry.
    public var layersFromStore: Int
    /// Bytes of layers that crossed the network.
    public var bytesTransferred: Int64
    /// Uncompressed bytes of all layers.
    public var uncompressedBytes: Int64
    /// Device nodes left out because the process is not root.
    public var skippedDevices: Int
}
