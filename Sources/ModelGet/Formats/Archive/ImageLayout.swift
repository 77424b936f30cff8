import Foundation

/// The OCI image layout (image-spec `image-layout.md`): an `oci-layout`
/// marker, an `index.json` naming the images, and every blob under
/// `blobs/sha256/<hex>`, as a directory or a tar of one.
package enum ImageLayout {
    /// `oci-layout`: `{"imageLayoutVersion": "1.0.0"}`.
    static let markerName = "oci-layout"
    static let marker = Data(#"{"imageLayoutVersion":"1.0.0"}"#.utf8)
    static let indexName = "index.json"
    /// "The name of a reference for the image" (image-spec annotations).
    static let refNameAnnotation = "org.opencontainers.image.ref.name"

    /// `blobs/sha256/<hex>`.
    static func blobPath(_ digest: Digest) -> String { "blobs/sha256/" + digest.hex }

    /// `index.json` for one manifest, named `reference`.
    static func index(manifest: Descriptor, reference: String) throws -> Data {
        var entry = manifest
        entry.annotations = [refNameAnnotation: reference]
        let index = ImageIndex(schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [entry])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(index)
    }
}
