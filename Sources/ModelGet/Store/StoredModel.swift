import Foundation

/// A model the store holds: a manifest file under `manifests/` and what
/// it says.
public struct StoredModel: Sendable {
    /// The reference the manifest's path spells.
    public let reference: Reference
    /// The manifest file.
    public let manifestPath: String
    /// The manifest's SHA-256 (of the bytes as stored).
    public let manifestDigest: Digest
    /// The decoded manifest (unknown fields are ignored).
    public let manifest: ImageManifest
    /// The manifest file's modification time.
    public let modified: Date

    /// Config plus layer bytes, each distinct blob counted once.
    public var size: Int64 { manifest.blobs.reduce(0) { $0 + $1.size } }

    /// `name:tag` as `ollama list` shows it.
    public var displayName: String { reference.displayName }
}
