import Foundation

/// An image manifest (Docker v2 schema 2 or OCI), as Ollama models use.
public struct ImageManifest: Codable, Hashable, Sendable {
    public var schemaVersion: Int
    public var mediaType: String?
    public var config: Descriptor
    public var layers: [Descriptor]
    public var annotations: [String: String]?

    /// The config followed by the layers, without duplicates.
    public var blobs: [Descriptor] {
        var seen = Set<Digest>()
        return ([config] + layers).filter { seen.insert($0.digest).inserted }
    }
}
