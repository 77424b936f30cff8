import Foundation

extension ImageSeeder {
    /// Writes each image under the tag `<tag>-<n>` and an OCI index naming
    /// them with their platforms under `tag`; returns the index bytes.
    public static func writeIndex(_ images: [(GeneratedModel, os: String, architecture: String, variant: String?)],
                                  to storageRoot: URL, repository: String, tag: String) throws -> Data {
        var entries: [[String: Any]] = []
        for (number, (image, os, architecture, variant)) in images.enumerated() {
            try ModelSeeder.write(image, to: storageRoot, repository: repository, tag: "\(tag)-\(number)")
            var platform = ["os": os, "architecture": architecture]
            if let variant { platform["variant"] = variant }
            entries.append(["mediaType": image.mediaType, "digest": image.manifestDigest, "size": image.manifest.count,
                            "platform": platform])
        }
        let index = try JSONSerialization.data(withJSONObject: [
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.index.v1+json", "manifests": entries,
        ] as [String: Any], options: [.sortedKeys, .withoutEscapingSlashes])
        let hex = try SHA256Hasher.hex(of: index)
        let layout = RegistryStorageLayout(storageRoot: storageRoot)
        let files: [(URL, Data)] = [
            (layout.blobData(hex: hex), index),
            (layout.revisionLink(repository: repository, hex: hex), Data("sha256:\(hex)".utf8)),
            (layout.tagIndexLink(repository: repository, tag: tag, hex: hex), Data("sha256:\(hex)".utf8)),
            (layout.tagCurrentLink(repository: repository, tag: tag), Data("sha256:\(hex)".utf8)),
        ]
        for (url, data) in files {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try data.write(to: url, options: .atomic)
        }
        return index
    }
}
