/// Choosing one image from an index by platform.
extension ImageIndex {
    /// The image manifest for `platform`. An index whose only image entry
    /// names no platform gives that entry. Otherwise a missing match fails
    /// listing the platforms the index has (attestation entries, typed
    /// `unknown/unknown`, are never chosen or listed).
    public func entry(for platform: Platform) throws -> Descriptor {
        let images = manifests.filter { !MediaType.isIndex($0.mediaType) }
        if images.count == 1, images[0].platform == nil { return images[0] }
        if let exact = images.first(where: { $0.platform.map { $0.variant == platform.variant && platform.matches($0) } ?? false }) {
            return exact
        }
        if let match = images.first(where: { $0.platform.map(platform.matches) ?? false }) { return match }
        let available = images.compactMap(\.platform).filter { $0.os != "unknown" }.map(\.description)
        throw ModelGetError.noMatchingPlatform(wanted: platform.description, available: available)
    }
}
