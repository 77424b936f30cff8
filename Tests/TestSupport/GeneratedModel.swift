import Foundation

/// A model made up by `ModelSeeder`: the exact manifest bytes and the
/// blobs it names, each kept in a file.
public struct GeneratedModel: Sendable {
    /// The manifest, byte for byte as the registry will serve it.
    public let manifest: Data
    /// `sha256:<hex>` of `manifest`.
    public let manifestDigest: String
    /// The manifest's media type (Docker v2 schema 2 or OCI image manifest).
    public let mediaType: String
    /// The image config blob.
    public let config: Blob
    /// The layers, in manifest order.
    public let layers: [Blob]

    /// Config plus layer bytes (what a pull transfers besides the manifest).
    public var totalSize: Int64 {
        layers.reduce(config.size) { $0 + $1.size }
    }
}
