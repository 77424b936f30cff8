import Foundation
import TestSupport

/// `seed`: writes a generated model straight into a registry's storage.
enum SeedCommand {
    static let usage = """
        modelget-testkit seed --storage DIR --repository REPO --tag TAG [--oci]
                              (--sizes N,N,… | --small-blobs COUNT --min BYTES --max BYTES | --big BYTES
                               | --llm-tensors COUNT [--total BYTES])
                              [--seed N] [--work DIR]
        modelget-testkit seed --tensor --storage DIR --repository REPO --tag TAG
                              --small-blobs COUNT --min BYTES --max BYTES [--big BYTES] [--seed N] [--work DIR]
          Prints "<manifest digest> <total blob bytes>". Blob files are made in
          --work (kept) or in a scratch directory next to DIR (removed).
          --llm-tensors makes the shape of ollama's tensor LLMs (qwen3.5:27b-int4):
          template, license, params, six json files and COUNT tensor layers,
          lognormal around 256 KiB from 4 KiB to 16 MiB, scaled to --total bytes.
          --tensor makes an image-generation tensor model like ollama's
          x/flux2-klein: COUNT safetensors tensor layers sized between --min and
          --max, one --big transformer tensor, json layers, a ConfigV2 config.
        """

    static func run(_ arguments: ArraySlice<String>) throws {
        let options = try Options(
            arguments,
            valued: ["storage", "repository", "tag", "sizes", "small-blobs", "min", "max", "big", "seed", "work", "llm-tensors", "total"],
            flags: ["oci", "tensor"])
        let storage = URL(fileURLWithPath: try options.required("storage"), isDirectory: true)
        let seed = UInt64(try options.count("seed") ?? 1)
        let work = options.optional("work").map { URL(fileURLWithPath: $0, isDirectory: true) }
        // Next to the storage, so hard links work and the scratch copy costs nothing.
        let scratch = work ?? storage.deletingLastPathComponent().appendingPathComponent(".seed-\(UUID().uuidString)")
        defer { if work == nil { try? FileManager.default.removeItem(at: scratch) } }

        let model: GeneratedModel
        if options.has("tensor") {
            guard let count = try options.count("small-blobs"), let min = try options.count("min"), let max = try options.count("max"),
                  min <= max, !options.has("oci"), options.optional("sizes") == nil else {
                throw UsageError("--tensor needs --small-blobs, --min and --max with min <= max (and no --oci or --sizes)")
            }
            model = try TensorModelSeeder.model(tensorLayers: Int(count), minBytes: min, maxBytes: max,
                                                bigTensorBytes: try options.count("big"), seed: seed, in: scratch).model
        } else if let tensors = try options.count("llm-tensors") {
            let sizes = TensorLLMShape.layerSizes(tensors: Int(tensors), totalBytes: try options.count("total"), seed: seed)
            model = options.has("oci") ? try ModelSeeder.ociModel(layerSizes: sizes, seed: seed, in: scratch)
                : try ModelSeeder.ollamaTensorLLM(layerSizes: sizes, seed: seed, in: scratch)
        } else if options.has("oci") {
            model = try ModelSeeder.ociModel(layerSizes: try layerSizes(options, seed: seed), seed: seed, in: scratch)
        } else {
            model = try ModelSeeder.ollamaModel(layerSizes: try layerSizes(options, seed: seed), seed: seed, in: scratch)
        }
        try ModelSeeder.write(
            model, to: storage, repository: try options.required("repository"), tag: try options.required("tag"))
        print(model.manifestDigest, model.totalSize)
    }

    /// Exactly one of `--sizes`, `--small-blobs` (with `--min`, `--max`) or `--big`.
    private static func layerSizes(_ options: Options, seed: UInt64) throws -> [Int64] {
        let given = ["sizes", "small-blobs", "big"].filter { options.optional($0) != nil }
        guard given.count == 1 else { throw UsageError("give exactly one of --sizes, --small-blobs, --big") }
        if let list = options.optional("sizes") {
            return try list.split(separator: ",").map { try Options.count(String($0), option: "sizes") }
        }
        if let count = try options.count("small-blobs") {
            guard let min = try options.count("min"), let max = try options.count("max"), min <= max else {
                throw UsageError("--small-blobs needs --min and --max with min <= max")
            }
            return ModelSeeder.logUniformSizes(count: Int(count), min: min, max: max, seed: seed)
        }
        return [try options.count("big") ?? 0]
    }
}
