import Foundation
import ModelGet

/// A manifest file read from the store for serving: its bytes, digest and
/// media type (from the body, as registries serve it).
struct StoredManifest: Sendable {
    let data: Data
    let digest: Digest
    let mediaType: String

    init(data: Data, digest: Digest, mediaType: String) {
        self.data = data
        self.digest = digest
        self.mediaType = mediaType
    }

    /// Reads and checks `path` (size-capped; must parse as a manifest).
    init?(path: String) {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let data = try? handle.read(upToCount: ManifestDocument.maximumSize + 1),
              data.count <= ManifestDocument.maximumSize,
              let (_, mediaType) = try? ManifestDocument.decode(data, contentType: nil),
              let digest = try? Digest(hex: SHA256Hasher.hex(of: data)) else { return nil }
        self.data = data
        self.digest = digest
        self.mediaType = mediaType
    }
}
