import Foundation

/// Makes deterministic pseudo-random models and puts them straight into a
/// registry's filesystem storage, which is much faster than pushing them
/// over HTTP.
///
/// The same sizes and seed give the same layer bytes and digests in both
/// flavours, so an Ollama model and its OCI twin share their layers.
public enum ModelSeeder {
    /// An Ollama-style model: Docker v2 schema 2 manifest, Ollama config,
    /// layers typed `vnd.ollama.image.model`, `.template`, `.license`,
    /// `.params`, `.system`, then `.projector` for any further ones.
    /// Blob files are written into `directory`.
    public static func ollamaModel(layerSizes: [Int64], seed: UInt64, in directory: URL) throws -> GeneratedModel {
        try model(.ollama, layerSizes: layerSizes, seed: seed, in: directory) { diffIDs in
            [
                "model_format": "gguf", "model_family": "llama", "model_families": ["llama"],
                "model_type": "1B", "file_type": "Q4_0", "architecture": "amd64", "os": "linux",
                "rootfs": ["type": "layers", "diff_ids": diffIDs],
            ]
        }
    }

    /// An Ollama tensor LLM (`TensorLLMShape`): `layerSizes` as that shape
    /// lists them, safetensors config; the same bytes as `ociModel` of the sizes.
    public static func ollamaTensorLLM(layerSizes: [Int64], seed: UInt64, in directory: URL) throws -> GeneratedModel {
        try model(.ollamaTensorLLM, layerSizes: layerSizes, seed: seed, in: directory) { diffIDs in
            [
                "model_format": "safetensors", "model_family": "qwen35", "model_families": ["qwen35"],
                "model_type": "27B", "file_type": "int4", "architecture": "amd64", "os": "linux",
                "rootfs": ["type": "layers", "diff_ids": diffIDs],
            ]
        }
    }

    /// The OCI twin of `ollamaModel`: OCI image manifest and config, plain
    /// tar layer types, the same layer bytes.
    public static func ociModel(layerSizes: [Int64], seed: UInt64, in directory: URL) throws -> GeneratedModel {
        try model(.oci, layerSizes: layerSizes, seed: seed, in: directory) { diffIDs in
            ["architecture": "amd64", "os": "linux", "rootfs": ["type": "layers", "diff_ids": diffIDs]]
        }
    }

    /// `count` sizes spread evenly on a log scale between `min` and `max`
    /// (inclusive), like the blobs of a real model collection.
    public static func logUniformSizes(count: Int, min: Int64, max: Int64, seed: UInt64) -> [Int64] {
        let low = log(Double(Swift.max(min, 1)))
        let high = log(Double(Swift.max(max, min, 1)))
        var generator = SplitMix64(seed: seed)
        return (0..<Swift.max(count, 0)).map { _ in
            let unit = Double(generator.next() >> 11) * 0x1p-53
            let size = Int64(exp(low + (high - low) * unit).rounded())
            return Swift.min(Swift.max(size, Swift.max(min, 0)), Swift.max(max, min))
        }
    }

    private static func model(
        _ flavor: ModelFlavor,
        layerSizes: [Int64],
        seed: UInt64,
        in directory: URL,
        config makeConfig: ([String]) -> [String: Any]
    ) throws -> GeneratedModel {
        var seeds = SplitMix64(seed: seed)
        let layers = try layerSizes.enumerated().map { index, size in
            let (hex, path) = try BlobFile.random(size: size, seed: seeds.next(), in: directory)
            return GeneratedModel.Blob(digest: "sha256:" + hex, size: size, mediaType: flavor.layer(index), path: path)
        }
        let configData = try canonicalJSON(makeConfig(layers.map(\.digest)))
        let (configHex, configPath) = try BlobFile.data(configData, in: directory)
        let config = GeneratedModel.Blob(
            digest: "sha256:" + configHex, size: Int64(configData.count), mediaType: flavor.config, path: configPath)
        let manifest = try canonicalJSON([
            "schemaVersion": 2,
            "mediaType": flavor.manifest,
            "config": config.descriptor,
            "layers": layers.map(\.descriptor),
        ])
        return GeneratedModel(
            manifest: manifest,
            manifestDigest: "sha256:" + (try SHA256Hasher.hex(of: manifest)),
            mediaType: flavor.manifest,
            config: config,
            layers: layers
        )
    }

    /// Compact JSON with sorted keys and unescaped slashes, so the bytes
    /// (and digests) are the same on every run.
    static func canonicalJSON(_ object: [String: Any]) throws -> Data {
        try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
    }
}
