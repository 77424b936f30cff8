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
    /// For a manifest or an artifact: the type of artifact it is (OCI 1.1).
    public var artifactType: String?
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

extension Descriptor {
    /// The largest size a descriptor may state, and the most a manifest's
    /// blobs may add up to: 2^53 bytes (8 PiB), so totals over many models
    /// stay far from `Int64.max` and exact in a `Double` (`--json`).
    public static let maximumSize: Int64 = 1 << 53
}

extension Sequence<Descriptor> {
    /// The sum of the sizes, saturating at `Int64.max` instead of trapping.
    public var totalSize: Int64 {
        reduce(Int64(0)) { total, descriptor in
            let (sum, overflow) = total.addingReportingOverflow(descriptor.size)
            return overflow ? .max : sum
        }
    }
}
