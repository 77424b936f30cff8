import Foundation

/// Reads the first bytes of a blob (for a GGUF header): from the store's
/// file, or with a ranged request.
public typealias BlobPrefixReader = @Sendable (Descriptor, Int64) async throws -> Data

extension ModelInfo {
    /// What `show` adds for artifacts other than Ollama's: the Docker Model
    /// Runner or ModelPack config, the GGUF header of the weights, and for a
    /// container image what it runs with.
    public struct ArtifactDetails: Sendable {
        /// The config's `architecture` (Docker: e.g. `llama`; ModelPack: e.g. `transformer`).
        public var architecture: String?
        /// The config's own statement of the model's size (Docker: e.g. `256.35 MiB`).
        public var declaredSize: String?
        /// The header of the first weights file.
        public var gguf: GGUFHeader?
        /// A container image's config.
        public var image: ImageConfig?
    }

    /// Fills `artifact` (and the format, family, quantisation and
    /// parameter fields the Ollama config left empty) from the config bytes
    /// and the weights' GGUF header.
    mutating func addArtifactDetails(manifest: ImageManifest, config: Data?, readPrefix: BlobPrefixReader?) async throws {
        var details = ArtifactDetails()
        let object = config.flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
        if MediaType.isModelArtifactConfig(manifest.config.mediaType), let fields = object?["config"] as? [String: Any] {
            // Docker: format, quantization, parameters, architecture, size.
            // ModelPack: format, quantization, paramSize, architecture, precision; family in "descriptor".
            format = format ?? fields["format"] as? String
            quantization = quantization ?? fields["quantization"] as? String
            parameterSize = parameterSize ?? (fields["parameters"] as? String) ?? (fields["paramSize"] as? String)
            family = family ?? ((object?["descriptor"] as? [String: Any])?["family"] as? String)
            details.architecture = fields["architecture"] as? String
            details.declaredSize = fields["size"] as? String
        } else if [MediaType.ociConfig, MediaType.dockerConfig].contains(manifest.config.mediaType), let config {
            details.image = try? ImageConfig.decode(config, name: manifest.config.digest.description)
        }
        if let readPrefix, let weights = try? WeightsLayer.find(in: manifest, model: name), let first = weights.layers.first {
            // The header is a bonus: show still answers when it cannot be read.
            details.gguf = (try? await GGUFHeader.read(size: first.size) { try await readPrefix(first, $0) }) ?? nil
        }
        if details.architecture != nil || details.declaredSize != nil || details.gguf != nil || details.image != nil {
            artifact = details
        }
    }

    /// The first bytes of a store blob.
    static func storePrefix(_ store: ModelStore) -> BlobPrefixReader {
        { blob, length in
            let stored = try store.openBlob(blob.digest)
            defer { stored.close() }
            return try stored.prefix(length)
        }
    }

    /// The first bytes of a registry blob, with a ranged GET; a registry
    /// that ignores the range is cut off once enough arrived.
    static func remotePrefix(_ client: RegistryClient, repository: String) -> BlobPrefixReader {
        { blob, length in
            try await client.fetchBlobPrefix(repository: repository, digest: blob.digest, count: length)
        }
    }
}
