import Foundation

/// What `show` reports about a model: its layers and what the config blob
/// and the small text layers (template, system, license, params) say.
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
        return ([config] + layers).filter { seen.insert($0.digest).inserted }.reduce(0) { $0 + $1.size }
    }

    /// Text layers larger than this are not read.
    public static let textLimit: Int64 = 1 << 20

    /// Builds the info, reading the config and text layers through `read`
    /// (which must return verified bytes).
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
        for layer in manifest.layers where layer.size <= textLimit {
            let textTypes = [MediaType.ollamaTemplate, MediaType.ollamaSystem, MediaType.ollamaLicense, MediaType.ollamaParams]
            guard textTypes.contains(layer.mediaType) else { continue }
            let text = ModelInfo.printableText(try await read(layer))
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
            let path = blobPath(blob.digest)
            guard let data = FileManager.default.contents(atPath: path) else { throw ModelGetError.fileSystem(path: path, reason: "missing") }
            try blob.digest.verify(actualHex: SHA256Hasher.hex(of: data))
            return data
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
        var info = try await ModelInfo.load(name: reference.displayName, manifestDigest: fetched.digest, manifest: manifest,
                                            readPrefix: ModelInfo.remotePrefix(self, repository: reference.repository)) { blob in
            let sink = MemorySink(limit: blob.size)
            _ = try await fetchBlob(repository: reference.repository, digest: blob.digest, sink: sink)
            try blob.digest.verify(actualHex: SHA256Hasher.hex(of: sink.data))
            return sink.data
        }
        if TensorModelLayout.isTensorModel(manifest) {
            info.tensorModel = try await tensorSummary(manifest, repository: reference.repository, model: reference.displayName)
        }
        return info
    }
}

/// Collects a small response body in memory, refusing more than `limit` bytes.
final class MemorySink: ResponseBodySink {
    let limit: Int64
    private(set) var data = Data()

    init(limit: Int64) { self.limit = limit }

    func begin(status: Int, headers: HTTPHeaders) throws -> Bool {
        data = Data()
        return status == 200
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        guard Int64(data.count + bytes.count) <= limit else {
            throw ModelGetError.sizeMismatch(digest: "blob", expected: limit, actual: Int64(data.count + bytes.count))
        }
        data.append(contentsOf: bytes)
    }
}

extension ModelInfo {
    /// The layer as text, or a note when it is not printable UTF-8 (a
    /// hostile or mislabelled layer must not write control codes to a terminal).
    static func printableText(_ data: Data) -> String {
        guard let text = String(data: data, encoding: .utf8),
              !text.unicodeScalars.contains(where: { $0.properties.generalCategory == .control && $0 != "\n" && $0 != "\t" && $0 != "\r" })
        else { return "(\(data.count) bytes, not text)" }
        return text
    }
}
