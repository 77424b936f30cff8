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

    /// Reads and checks `path` (size-capped; must parse as a manifest);
    /// nil when it is missing or not a manifest. Throws
    /// `DistributionError.outOfDescriptors` when it could not be opened for
    /// want of a descriptor: that is no reason to say "not found".
    init?(path: String) throws {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            try DistributionError.checkDescriptors()
            return nil
        }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        guard let data = try? handle.read(upToCount: ManifestDocument.maximumSize + 1),
              data.count <= ManifestDocument.maximumSize,
              let (_, mediaType) = try? ManifestDocument.decode(data, contentType: nil),
              let digest = try? Digest(hex: SHA256Hasher.hex(of: data)) else { return nil }
        self.data = data
        self.digest = digest
        self.mediaType = mediaType
    }
}
