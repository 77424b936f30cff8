/// A content descriptor: what a manifest says about one blob or manifest.
public struct Descriptor: Codable, Hashable, Sendable {
    /// The media type of the referenced content.
    public var mediaType: String
    /// The digest of the referenced content; validated when decoded.
    public var digest: Digest
    /// The size of the referenced content in bytes.
    public var size: Int64
    /// For index entries: the platform the manifest is for.
    public var platform: Platform?
    /// Optional annotations.
    public var annotations: [String: String]?
    /// Optional alternative locations (never followed by modelget).
    public var urls: [String]?
    /// Ollama's per-layer `name`: `component/tensor` on a tensor layer, the
    /// file path on a json layer (image-generation models).
    public var name: String?

    public init(mediaType: String, digest: Digest, size: Int64, platform: Platform? = nil) {
        self.mediaType = mediaType
        self.digest = digest
        self.size = size
        self.platform = platform
    }
}
