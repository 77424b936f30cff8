import Foundation

extension ImageLayout {
    /// `index.json` naming `manifest` by `reference`, without a scheme (an
    /// image's `ref.name` is a name).
    static func index(for manifest: FetchedManifest, named reference: Reference) throws -> Data {
        var named = reference
        named.scheme = nil
        let descriptor = Descriptor(mediaType: manifest.mediaType, digest: manifest.digest, size: Int64(manifest.data.count))
        return try index(manifest: descriptor, reference: named.description)
    }
}
