import Foundation
import TestSupport

/// `seed`: writes a generated model straight into a registry's storage.
enum SeedCommand {
    static let usage = """
        modelget-testkit seed --storage DIR --repository REPO --tag TAG [--oci]
                              (--sizes N,N,… | --small-blobs COUNT --min BYTES --max BYTES | --big BYTES)
                              [--seed N] [--work DIR]
          Prints "<manifest digest> <total blob bytes>". Blob files are made in
          --work (kept) or in a scratch directory next to DIR (removed).
        """

    static func run(_ arguments: ArraySlice<String>) throws {
        let options = try Options(
            arguments,
            valued: ["storage", "repository", "tag", "sizes", "small-blobs", "min", "max", "big", "seed", "work"],
            flags: ["oci"])
        let storage = URL(fileURLWithPath: try options.required("storage"), isDirectory: true)
        let seed = UInt64(try options.count("seed") ?? 1)
        let sizes = try layerSizes(options, seed: seed)
        let work = options.optional("work").map { URL(fileURLWithPath: $0, isDirectory: true) }
        // Next to the storage, so hard links work and the scratch copy costs nothing.
        let scratch = work ?? storage.deletingLastPathComponent().appendingPathComponent(".seed-\(UUID().uuidString)")
        defer { if work == nil { try? FileManager.default.removeItem(at: scratch) } }

        let model = options.has("oci")
            ? try ModelSeeder.ociModel(layerSizes: sizes, seed: seed, in: scratch)
            : try ModelSeeder.ollamaModel(layerSizes: sizes, seed: seed, in: scratch)
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
