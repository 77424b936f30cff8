import Foundation

/// One layer of a model artifact built by a test.
public struct ArtifactLayer: Sendable {
    public var data: Data
    public var mediaType: String
    public var annotations: [String: String]

    public init(_ data: Data, mediaType: String, annotations: [String: String] = [:]) {
        self.data = data
        self.mediaType = mediaType
        self.annotations = annotations
    }
}

/// Builds OCI-manifest model artifacts (Docker Model Runner, ModelPack)
/// with any config type, layer annotations and `artifactType`.
public enum ArtifactSeeder {
    public static func artifact(config: [String: Any], configType: String, layers: [ArtifactLayer], artifactType: String? = nil,
                                in directory: URL) throws -> GeneratedModel {
        let configData = try JSONSerialization.data(withJSONObject: config, options: [.sortedKeys, .withoutEscapingSlashes])
        let (configHex, configPath) = try BlobFile.data(configData, in: directory)
        let configBlob = GeneratedModel.Blob(digest: "sha256:" + configHex, size: Int64(configData.count),
                                             mediaType: configType, path: configPath)
        var blobs: [GeneratedModel.Blob] = []
        var descriptors: [[String: Any]] = []
        for layer in layers {
            let (hex, path) = try BlobFile.data(layer.data, in: directory)
            let blob = GeneratedModel.Blob(digest: "sha256:" + hex, size: Int64(layer.data.count), mediaType: layer.mediaType, path: path)
            blobs.append(blob)
            var descriptor = blob.descriptor
            if !layer.annotations.isEmpty { descriptor["annotations"] = layer.annotations }
            descriptors.append(descriptor)
        }
        var object: [String: Any] = [
            "schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": configBlob.descriptor, "layers": descriptors,
        ]
        if let artifactType { object["artifactType"] = artifactType }
        let manifest = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return GeneratedModel(manifest: manifest, manifestDigest: "sha256:" + (try SHA256Hasher.hex(of: manifest)),
                              mediaType: "application/vnd.oci.image.manifest.v1+json", config: configBlob, layers: blobs)
    }
}
