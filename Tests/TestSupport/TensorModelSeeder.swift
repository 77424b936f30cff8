import Foundation

/// Makes a deterministic image-generation tensor model of the shape ollama
/// gives `x/flux2-klein` and `x/z-image-turbo` (ollama `x/create` before
/// 2026-07-28): components text_encoder, transformer and vae, one
/// standalone safetensors blob per tensor, linear weights quantised to int4
/// (weight, `.scale` and `.bias` in one blob with `__metadata__`
/// {quant_type, group_size}, keyed by the full `component/name`), plain
/// tensors keyed by their name inside the component (a few by the legacy
/// key `data`), the pipeline's json files, and `model_index.json` edited as
/// ollama edits it on import.
public enum TensorModelSeeder {
    static let quantType = "int4"
    static let groupSize = 32
    /// Columns of a quantised weight; int4 packs 8 values in one U32.
    static let quantisedColumns: Int64 = 128

    /// `tensorLayers` tensors sized log-uniformly between `minBytes` and
    /// `maxBytes`, plus one plain `bigTensorBytes` transformer tensor when
    /// given; blob files are written into `directory`. With
    /// `olderQuantisedLayers`, quantised weights are stored as older ollama
    /// did: weight, `_scale` and `_qbias` in three layers keyed `data`,
    /// without metadata.
    public static func model(tensorLayers: Int, minBytes: Int64, maxBytes: Int64, bigTensorBytes: Int64? = nil,
                             olderQuantisedLayers: Bool = false, seed: UInt64, in directory: URL) throws -> GeneratedTensorModel {
        let sizes = ModelSeeder.logUniformSizes(count: tensorLayers, min: minBytes, max: maxBytes, seed: seed)
        var seeds = SplitMix64(seed: seed ^ 0x7E45_0A11)
        let counts = componentCounts(tensorLayers)
        var layers: [GeneratedModel.Blob] = []
        var tensors: [GeneratedTensorModel.Tensor] = []
        var parameters: Int64 = 0
        var index = 0
        for (component, count) in counts {
            for position in 0..<count {
                let name = tensorName(component, position)
                let made = try tensorBlob(component: component, name: name, target: sizes[index], legacyKey: position % 50 == 7,
                                          separateLayers: olderQuantisedLayers, seed: seeds.next(), in: directory)
                layers += made.layers
                tensors += made.tensors
                parameters += made.parameters
                index += 1
            }
            if component == "transformer", let bigTensorBytes {
                let made = try tensorBlob(component: component, name: "proj_out.weight", target: bigTensorBytes,
                                          legacyKey: false, quantise: false, seed: seeds.next(), in: directory)
                layers += made.layers
                tensors += made.tensors
                parameters += made.parameters
            }
        }

        let architecture = "Flux2KleinPipeline"
        let original = try pretty(diffusersModelIndex(architecture))
        var stored = try JSONSerialization.jsonObject(with: original) as! [String: Any]
        stored["architecture"] = stored.removeValue(forKey: "_class_name")
        stored.removeValue(forKey: "_diffusers_version")
        stored["parameter_count"] = parameters
        stored["quantization"] = quantType.uppercased()
        var jsonFiles = try componentFiles()
        jsonFiles["model_index.json"] = try pretty(stored)
        for path in jsonFiles.keys.sorted() {
            let (hex, file) = try BlobFile.data(jsonFiles[path]!, in: directory)
            layers.append(GeneratedModel.Blob(digest: "sha256:" + hex, size: Int64(jsonFiles[path]!.count),
                                              mediaType: "application/vnd.ollama.image.json", path: file, name: path))
        }

        let capabilities = ["image"], requires = "0.14.0"
        let configData = try ModelSeeder.canonicalJSON([
            "model_format": "safetensors", "file_type": quantType, "capabilities": capabilities, "requires": requires,
            "architecture": "amd64", "os": "linux", "rootfs": ["type": "layers", "diff_ids": [String]()],
        ])
        let (configHex, configPath) = try BlobFile.data(configData, in: directory)
        let config = GeneratedModel.Blob(digest: "sha256:" + configHex, size: Int64(configData.count),
                                         mediaType: "application/vnd.docker.container.image.v1+json", path: configPath)
        let mediaType = "application/vnd.docker.distribution.manifest.v2+json"
        let manifest = try ModelSeeder.canonicalJSON([
            "schemaVersion": 2, "mediaType": mediaType, "config": config.descriptor, "layers": layers.map(\.descriptor),
        ])
        let model = GeneratedModel(manifest: manifest, manifestDigest: "sha256:" + (try SHA256Hasher.hex(of: manifest)),
                                   mediaType: mediaType, config: config, layers: layers)
        var perComponent: [String: Int] = [:]
        for layer in layers where layer.mediaType == "application/vnd.ollama.image.tensor" {
            perComponent[String(layer.name!.split(separator: "/")[0]), default: 0] += 1
        }
        return GeneratedTensorModel(model: model, tensors: tensors, jsonFiles: jsonFiles, originalModelIndex: original,
                                    parameterCount: parameters, quantType: quantType, groupSize: groupSize,
                                    tensorLayers: perComponent, architecture: architecture,
                                    capabilities: capabilities, requires: requires)
    }

    /// text_encoder, transformer and vae get about 35 %, 55 % and 10 %.
    static func componentCounts(_ total: Int) -> [(String, Int)] {
        let textEncoder = total * 35 / 100, transformer = total * 55 / 100
        return [("text_encoder", textEncoder), ("transformer", transformer), ("vae", total - textEncoder - transformer)]
    }

    /// Names in the style of each component's real checkpoints.
    static func tensorName(_ component: String, _ position: Int) -> String {
        let suffixes: [String]
        let block: String
        switch component {
        case "text_encoder":
            block = "model.layers"
            suffixes = ["self_attn.q_proj.weight", "self_attn.k_proj.weight", "self_attn.v_proj.weight", "self_attn.o_proj.weight",
                        "mlp.gate_proj.weight", "mlp.up_proj.weight", "mlp.down_proj.weight", "input_layernorm.weight",
                        "post_attention_layernorm.weight"]
        case "transformer":
            block = "blocks"
            suffixes = ["attn.q.weight", "attn.k.weight", "attn.v.weight", "attn.o.weight", "attn.q_norm.weight",
                        "attn.k_norm.weight", "mlp.fc1.weight", "mlp.fc2.weight"]
        default:
            block = "decoder.blocks"
            suffixes = ["conv1.weight", "conv1.bias", "norm1.weight", "conv2.weight"]
        }
        return "\(block).\(position / suffixes.count).\(suffixes[position % suffixes.count])"
    }

    private struct MadeTensor {
        let layers: [GeneratedModel.Blob]
        let tensors: [GeneratedTensorModel.Tensor]
        let parameters: Int64
    }

    /// One tensor layer of about `target` bytes: quantised when it is a
    /// linear weight of the text encoder or transformer, else BF16 (F32 for
    /// norms and the vae). A quantised weight with `separateLayers` takes
    /// three layers, as older ollama stored it.
    private static func tensorBlob(component: String, name: String, target: Int64, legacyKey: Bool, separateLayers: Bool = false,
                                   quantise: Bool = true, seed: UInt64, in directory: URL) throws -> MadeTensor {
        let quantised = quantise && component != "vae" && !name.contains("norm") && target >= 1024
        let full = component + "/" + name
        if quantised {
            let groups = quantisedColumns / Int64(groupSize)
            let rowBytes = quantisedColumns / 2 + 2 * groups * 2
            let rows = max(1, (target - 400) / rowBytes)
            let entries: [Entry] = [(full, name, "U32", [rows, quantisedColumns / 8], rows * quantisedColumns / 2),
                                    (full + ".scale", name + ".scale", "BF16", [rows, groups], rows * groups * 2),
                                    (full + ".bias", name + ".bias", "BF16", [rows, groups], rows * groups * 2)]
            let made: [MadeTensor]
            if separateLayers {
                var seeds = SplitMix64(seed: seed)
                made = try zip(entries, ["", "_scale", "_qbias"]).map { entry, suffix in
                    try write([("data", entry.outputName, entry.dtype, entry.shape, entry.length)], metadata: nil,
                              layerName: full + suffix, component: component, seed: seeds.next(), in: directory)
                }
            } else {
                made = [try write(entries, metadata: ["quant_type": quantType, "group_size": String(groupSize)], layerName: full,
                                  component: component, seed: seed, in: directory)]
            }
            return MadeTensor(layers: made.flatMap(\.layers), tensors: made.flatMap(\.tensors), parameters: rows * quantisedColumns)
        }
        let dtype = component == "vae" || name.contains("norm") ? "F32" : "BF16"
        let width: Int64 = dtype == "F32" ? 4 : 2
        let elements = max(1, (target - 160) / width)
        let shape = elements >= 64 ? [elements / 64, 64] : [elements]
        let count = shape.reduce(1, *)
        let made = try write([(legacyKey ? "data" : name, name, dtype, shape, count * width)], metadata: nil, layerName: full,
                             component: component, seed: seed, in: directory)
        return MadeTensor(layers: made.layers, tensors: made.tensors, parameters: count)
    }

    /// A header key, the tensor's name in a diffusers file, dtype, shape, byte length.
    private typealias Entry = (key: String, outputName: String, dtype: String, shape: [Int64], length: Int64)

    /// One safetensors blob holding `entries` (random data) as layer `layerName`.
    private static func write(_ entries: [Entry], metadata: [String: String]?, layerName: String, component: String,
                              seed: UInt64, in directory: URL) throws -> MadeTensor {
        var header: [String: Any] = [:]
        if let metadata { header["__metadata__"] = metadata }
        var offset: Int64 = 0
        for entry in entries {
            header[entry.key] = ["dtype": entry.dtype, "shape": entry.shape, "data_offsets": [offset, offset + entry.length]]
            offset += entry.length
        }
        var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys, .withoutEscapingSlashes])
        json.append(contentsOf: [UInt8](repeating: 0x20, count: (8 - json.count % 8) % 8))
        var prefix = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { prefix.append(contentsOf: $0) }
        prefix.append(json)
        let (hex, path) = try BlobFile.random(after: prefix, size: offset, seed: seed, in: directory)
        let layer = GeneratedModel.Blob(digest: "sha256:" + hex, size: Int64(prefix.count) + offset,
                                        mediaType: "application/vnd.ollama.image.tensor", path: path, name: layerName)
        var start = Int64(prefix.count)
        let tensors = entries.map { entry in
            defer { start += entry.length }
            return GeneratedTensorModel.Tensor(component: component, name: entry.outputName, dtype: entry.dtype,
                                               shape: entry.shape, blob: path, offset: start, length: entry.length)
        }
        return MadeTensor(layers: [layer], tensors: tensors, parameters: 0)
    }

    /// A diffusers `model_index.json` for the pipeline.
    static func diffusersModelIndex(_ architecture: String) -> [String: Any] {
        [
            "_class_name": architecture, "_diffusers_version": "0.36.0.dev0", "is_distilled": true,
            "scheduler": ["diffusers", "FlowMatchEulerDiscreteScheduler"],
            "text_encoder": ["transformers", "Qwen3ForCausalLM"],
            "tokenizer": ["transformers", "Qwen2TokenizerFast"],
            "transformer": ["diffusers", "Flux2Transformer2DModel"],
            "vae": ["diffusers", "AutoencoderKLFlux2"],
        ]
    }

    /// The component configs and tokenizer files, as ollama imports them.
    static func componentFiles() throws -> [String: Data] {
        var vocabulary: [String: Int] = [:]
        for index in 0..<2_000 { vocabulary["tok\(index)"] = index }
        let files: [String: Any] = [
            "text_encoder/config.json": ["architectures": ["Qwen3ForCausalLM"], "model_type": "qwen3", "hidden_size": 2560,
                                         "num_hidden_layers": 36, "torch_dtype": "bfloat16", "vocab_size": 151_936],
            "text_encoder/generation_config.json": ["bos_token_id": 151_643, "eos_token_id": 151_645, "do_sample": false],
            "transformer/config.json": ["_class_name": "Flux2Transformer2DModel", "_diffusers_version": "0.36.0.dev0",
                                        "num_layers": 5, "num_attention_heads": 24, "attention_head_dim": 128],
            "vae/config.json": ["_class_name": "AutoencoderKLFlux2", "_diffusers_version": "0.36.0.dev0",
                                "latent_channels": 32, "block_out_channels": [128, 256, 512, 512]],
            "scheduler/scheduler_config.json": ["_class_name": "FlowMatchEulerDiscreteScheduler", "shift": 3.0,
                                                "num_train_timesteps": 1000],
            "tokenizer/tokenizer.json": ["version": "1.0", "model": ["type": "BPE", "vocab": vocabulary, "merges": [String]()]],
            "tokenizer/tokenizer_config.json": ["model_max_length": 512, "tokenizer_class": "Qwen2Tokenizer"],
            "tokenizer/vocab.json": vocabulary,
        ]
        return try files.mapValues { try pretty($0) }
    }

    private static func pretty(_ object: Any) throws -> Data {
        try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }

    /// A two-layer tensor model around one hand-made tensor blob (a
    /// hostile header, say) and a model_index.json.
    public static func singleTensorModel(blob: Data, in directory: URL) throws -> GeneratedModel {
        try tensorModel(layers: [("transformer/blocks.0.attn.q.weight", blob)], in: directory)
    }

    /// A tensor model whose tensor layers are the given blobs under the
    /// given names (the same blob may stand under several), and a model_index.json.
    public static func tensorModel(layers tensorLayers: [(name: String, blob: Data)], in directory: URL) throws -> GeneratedModel {
        var layers: [GeneratedModel.Blob] = []
        for (name, blob) in tensorLayers {
            let (tensorHex, tensorPath) = try BlobFile.data(blob, in: directory)
            layers.append(GeneratedModel.Blob(digest: "sha256:" + tensorHex, size: Int64(blob.count), mediaType: "application/vnd.ollama.image.tensor",
                                              path: tensorPath, name: name))
        }
        let index = Data(#"{"architecture":"Flux2KleinPipeline","transformer":["diffusers","Flux2Transformer2DModel"]}"#.utf8)
        let (indexHex, indexPath) = try BlobFile.data(index, in: directory)
        let config = Data(#"{"capabilities":["image"],"model_format":"safetensors"}"#.utf8)
        let (configHex, configPath) = try BlobFile.data(config, in: directory)
        layers.append(GeneratedModel.Blob(digest: "sha256:" + indexHex, size: Int64(index.count), mediaType: "application/vnd.ollama.image.json",
                                          path: indexPath, name: "model_index.json"))
        let configBlob = GeneratedModel.Blob(digest: "sha256:" + configHex, size: Int64(config.count),
                                             mediaType: "application/vnd.docker.container.image.v1+json", path: configPath)
        let mediaType = "application/vnd.docker.distribution.manifest.v2+json"
        let manifest = try ModelSeeder.canonicalJSON([
            "schemaVersion": 2, "mediaType": mediaType, "config": configBlob.descriptor, "layers": layers.map(\.descriptor),
        ])
        return GeneratedModel(manifest: manifest, manifestDigest: "sha256:" + (try SHA256Hasher.hex(of: manifest)),
                              mediaType: mediaType, config: configBlob, layers: layers)
    }
}
