/// Where a model's weights are, in each family modelget knows, tried in
/// this order: Ollama's `application/vnd.ollama.image.model`; Docker
/// Model Runner's `application/vnd.docker.ai.gguf.v3` (several layers are
/// one split GGUF, in layer order); ModelPack's raw weight layer whose
/// `org.cncf.model.filepath` (or the older `org.cnai.` one) ends in `.gguf`
/// and is not a multimodal projector (`mmproj`).
public enum WeightsLayer: Sendable, Equatable {
    /// One file.
    case single(Descriptor)
    /// The shards of a split GGUF, first to last.
    case split([Descriptor])

    /// The weights of `manifest`; fails naming the layer types it has.
    public static func find(in manifest: ImageManifest, model: String) throws -> WeightsLayer {
        if let ollama = manifest.layers.first(where: { $0.mediaType == MediaType.ollamaModel }) { return .single(ollama) }
        let docker = manifest.layers.filter { $0.mediaType == MediaType.dockerGGUF }
        if docker.count == 1 { return .single(docker[0]) }
        if docker.count > 1 { return .split(docker) }
        let modelPack = manifest.layers.filter(isModelPackGGUF)
        if modelPack.count == 1 { return .single(modelPack[0]) }
        if modelPack.count > 1 { return .split(modelPack) }
        var types: [String] = []
        for layer in manifest.layers where !types.contains(layer.mediaType) { types.append(layer.mediaType) }
        throw ModelGetError.noSuchLayer(model: model, wanted: "of model weights (Ollama, Docker Model Runner GGUF or ModelPack .gguf)",
                                        available: types)
    }

    /// A ModelPack raw weight layer holding a GGUF that is not a projector.
    static func isModelPackGGUF(_ layer: Descriptor) -> Bool {
        let path: String?
        switch layer.mediaType {
        case MediaType.modelPackRawWeight: path = layer.annotations?[MediaType.modelPackFilePath]
        case MediaType.legacyModelPackRawWeight: path = layer.annotations?[MediaType.legacyModelPackFilePath]
        default: return false
        }
        guard let path = path?.lowercased() else { return false }
        let name = path.split(separator: "/").last.map(String.init) ?? path
        return name.hasSuffix(".gguf") && !name.contains("mmproj")
    }

    /// The layers, one or several.
    public var layers: [Descriptor] {
        switch self {
        case let .single(layer): return [layer]
        case let .split(layers): return layers
        }
    }

    /// True for Docker's and ModelPack's layers, whose type or file name says
    /// GGUF; Ollama's `.model` type does not (its config's `model_format` does).
    public var declaresGGUF: Bool {
        layers.allSatisfy { $0.mediaType != MediaType.ollamaModel }
    }

    /// The refusal of a one-file destination for a split GGUF, with the hint.
    public static func splitNeedsDirectory(_ reference: Reference, shards: Int) -> ModelGetError {
        .usage("\(reference.displayName) is a split GGUF of \(shards) files; give a directory: -o DIR/ writes "
            + "\(shardName(0, of: shards)) … \(shardName(shards - 1, of: shards))")
    }

    /// The file name of shard `index` (0-based) of a split GGUF, as Docker
    /// Model Runner writes it: `model-00001-of-00003.gguf`.
    public static func shardName(_ index: Int, of count: Int) -> String {
        func five(_ n: Int) -> String { String(repeating: "0", count: max(0, 5 - String(n).count)) + String(n) }
        return "model-\(five(index + 1))-of-\(five(count)).gguf"
    }
}
