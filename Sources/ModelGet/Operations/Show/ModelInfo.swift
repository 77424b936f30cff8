import Foundation

/// What `show` reports about a model: its layers and what the config blob
/// and the small text layers (template, system, license, params) say.
/// Every string is as the registry or blob has it: print it through
/// `DisplayText` (`line` for a field, `block` for a text layer).
public struct ModelInfo: Sendable {
    public var name: String
    public var manifestDigest: Digest
    public var layers: [Descriptor]
    public var config: Descriptor
    /// Config `model_format` (e.g. gguf), `model_family`, `file_type`
    /// (quantisation, e.g. Q4_0) and `model_type` (parameters, e.g. 1B).
    public var format: String?
    public var family: String?
    public var quantization: String?
    public var parameterSize: String?
    public var template: String?
    public var system: String?
    public var licenses: [String] = []
    /// The params layer (runtime parameters as JSON text).
    public var parameters: String?
    /// For a tensor model (one safetensors layer per tensor): what its
    /// headers, config and model_index.json say.
    public var tensorModel: TensorModelSummary?
    /// Docker Model Runner / ModelPack config, GGUF header, image config (`ModelInfo+Artifacts`).
    public var artifact: ArtifactDetails?

    /// Config plus layers, each distinct blob once.
    public var totalSize: Int64 {
        var seen = Set<Digest>()
        return ([config] + layers).filter { seen.insert($0.digest).inserted }.totalSize
    }

    /// Text layers (and a config) larger than this are not read: a text
    /// layer is shown as "(N bytes)" instead.
    public static let textLimit: Int64 = 1 << 20

    /// Builds the info, reading the config and text layers through `read`
    /// (which must return verified bytes, and is only asked for blobs of at
    /// most `textLimit` bytes).
    public static func load(name: String, manifestDigest: Digest, manifest: ImageManifest,
                            readPrefix: BlobPrefixReader? = nil,
                            read: (Descriptor) async throws -> Data) async throws -> ModelInfo {
        var info = ModelInfo(name: name, manifestDigest: manifestDigest, layers: manifest.layers, config: manifest.config)
        let config = manifest.config.size <= textLimit ? try? await read(manifest.config) : nil
        if let config, let object = try? JSONSerialization.jsonObject(with: config) as? [String: Any] {
            info.format = object["model_format"] as? String
            info.family = object["model_family"] as? String
            info.quantization = object["file_type"] as? String
            info.parameterSize = object["model_type"] as? String
        }
        let textTypes = [MediaType.ollamaTemplate, MediaType.ollamaSystem, MediaType.ollamaLicense, MediaType.ollamaParams]
        for layer in manifest.layers where textTypes.contains(layer.mediaType) {
            let text = layer.size <= textLimit ? ModelInfo.printableText(try await read(layer)) : "(\(layer.size) bytes)"
            switch layer.mediaType {
            case MediaType.ollamaTemplate: info.template = text
            case MediaType.ollamaSystem: info.system = text
            case MediaType.ollamaLicense: info.licenses.append(text)
            default: info.parameters = text
            }
        }
        try await info.addArtifactDetails(manifest: manifest, config: config, readPrefix: readPrefix)
        return info
    }
}

extension ModelStore {
    /// `show` for a stored model: everything read from the store.
    public func info(_ reference: Reference) async throws -> ModelInfo {
        let model = try model(reference)
        var info = try await ModelInfo.load(name: model.displayName, manifestDigest: model.manifestDigest, manifest: model.manifest,
                                            readPrefix: ModelInfo.storePrefix(self)) { blob in
            try readSmallBlob(blob)
        }
        if TensorModelLayout.isTensorModel(model.manifest) {
            info.tensorModel = try await tensorSummary(model.manifest, model: model.displayName)
        }
        return info
    }
}

extension RegistryClient {
    /// `show --remote`: the manifest, config and small text layers from the
    /// registry, without the weights.
    public func info(_ reference: Reference, platform: Platform = .current) async throws -> ModelInfo {
        let (fetched, manifest) = try await resolveImage(repository: reference.repository, reference: reference.manifestReference,
                                                         platform: platform)
        return try await info(of: fetched, manifest, repository: reference.repository, name: reference.displayName)
    }

    /// `show --remote` of a manifest this registry served for `repository`.
    func info(of fetched: FetchedManifest, _ manifest: ImageManifest, repository: String, name: String) async throws -> ModelInfo {
        var info = try await ModelInfo.load(name: name, manifestDigest: fetched.digest, manifest: manifest,
                                            readPrefix: ModelInfo.remotePrefix(self, repository: repository)) { blob in
            let sink = MemorySink(limit: blob.size)
            _ = try await fetchBlob(repository: repository, digest: blob.digest, sink: sink)
            try blob.digest.verify(actualHex: SHA256Hasher.hex(of: sink.data))
            return sink.data
        }
        if TensorModelLayout.isTensorModel(manifest) {
            info.tensorModel = try await tensorSummary(manifest, repository: repository, model: name)
        }
        return info
    }
}

extension PullSources {
    /// `show --remote` through the mirrors: everything from the first
    /// source that has the manifest.
    public func info(platform: Platform = .current) async throws -> ModelInfo {
        let (fetched, manifest, serving) = try await resolveImage(platform: platform)
        return try await serving.client(at: 0).info(of: fetched, manifest, repository: serving.repository(at: 0), name: reference.displayName)
    }
}

extension ModelInfo {
    /// The layer as text, or a note when it is binary (not UTF-8, or with
    /// NUL bytes). Text is returned as the blob has it: printers escape it
    /// with `DisplayText.block` (a hostile layer may carry terminal codes).
    static func printableText(_ data: Data) -> String {
        guard !data.contains(0), let text = String(data: data, encoding: .utf8) else { return "(\(data.count) bytes, not text)" }
        return text
    }
}
