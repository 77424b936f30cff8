import Foundation
import ModelGet
import TestSupport

/// A models directory holding a few generated models, and a serve on it.
///
/// - `library/tiny:latest` and `:v2` (ollama-typed, 3 MB + small layers),
/// - `library/oci:1` (an OCI image manifest),
/// - `Team/MixedCase:Q4` (mixed case on disk, as ollama keeps it),
/// - `hf.co/User/Repo:Q8` (another host).
final class ServeFixture {
    let work: URL
    let models: URL
    let tiny: GeneratedModel
    let tinyV2: GeneratedModel
    let oci: GeneratedModel
    let mixed: GeneratedModel

    init() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("serve-test-\(UUID().uuidString)")
        models = work.appendingPathComponent("models")
        try FileManager.default.createDirectory(at: models, withIntermediateDirectories: true)
        let generated = work.appendingPathComponent("generated")
        tiny = try ModelSeeder.ollamaModel(layerSizes: [3_000_000, 1_000, 17], seed: 1, in: generated.appendingPathComponent("1"))
        tinyV2 = try ModelSeeder.ollamaModel(layerSizes: [20_000], seed: 2, in: generated.appendingPathComponent("2"))
        oci = try ModelSeeder.ociModel(layerSizes: [100_000, 5], seed: 3, in: generated.appendingPathComponent("3"))
        mixed = try ModelSeeder.ollamaModel(layerSizes: [4_096], seed: 4, in: generated.appendingPathComponent("4"))
        try StoreSeeding.put(tiny, in: models, name: "tiny")
        try StoreSeeding.put(tinyV2, in: models, name: "tiny", tag: "v2")
        try StoreSeeding.put(oci, in: models, name: "oci", tag: "1")
        try StoreSeeding.put(mixed, in: models, namespace: "Team", name: "MixedCase", tag: "Q4")
        try StoreSeeding.put(mixed, in: models, host: "hf.co", namespace: "User", name: "Repo", tag: "Q8")
    }

    func start(_ arguments: [String] = [], scheme: String = "http", openFiles: Int? = nil) throws -> ServeProcess {
        try ServeProcess(models: models, arguments: arguments, scheme: scheme, openFiles: openFiles)
    }

    func cleanUp() { try? FileManager.default.removeItem(at: work) }

    /// `sha256:<hex>` of a file's bytes.
    static func sha256(of url: URL) throws -> String {
        "sha256:" + SHA256Hasher.hex(of: try Data(contentsOf: url))
    }
}
