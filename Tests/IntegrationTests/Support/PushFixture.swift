import Foundation
import ModelGet
import TestSupport
import XCTest

/// A scratch directory, a seeded many-layer model, clients and store checks
/// shared by the push and copy tests.
struct PushFixture {
    let work: URL

    init() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("push-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    }

    func remove() {
        try? FileManager.default.removeItem(at: work)
    }

    /// A fresh models directory.
    func store(_ name: String) -> ModelStore {
        ModelStore(root: work.appendingPathComponent(name))
    }

    /// A model of `count` layers from 1 byte to 2 MB plus config, seeded into
    /// `registry` as `repository:tag`.
    func seedModel(into registry: RegistryProcess, repository: String = "library/many", tag: String = "v1",
                   count: Int = 40, seed: UInt64 = 7) throws -> GeneratedModel {
        let sizes = ModelSeeder.logUniformSizes(count: count, min: 1, max: 2_000_000, seed: seed)
        let model = try ModelSeeder.ollamaModel(layerSizes: sizes, seed: seed, in: work.appendingPathComponent("seed-\(seed)"))
        try ModelSeeder.write(model, to: registry.storageRoot, repository: repository, tag: tag)
        return model
    }

    /// A client for `host` over plain HTTP with only the given credentials.
    func client(_ host: String, environment: [String: String] = [:]) throws -> RegistryClient {
        var env = environment
        env["DOCKER_CONFIG"] = work.appendingPathComponent("no-docker-config").path
        return try RegistryClient(host: host, scheme: "http", insecure: true, credentials: CredentialStore(environment: env))
    }

    /// Pulls `reference` into a fresh store and checks every blob's bytes
    /// and the manifest against `model`.
    func assertPullsBack(_ model: GeneratedModel, from reference: Reference, environment: [String: String] = [:],
                         file: StaticString = #filePath, line: UInt = #line) async throws {
        let store = store("pulled-\(UUID().uuidString)")
        let result = try await ModelPuller(store: store).pull(reference, client: try client(reference.host, environment: environment))
        XCTAssertEqual(result.manifestDigest, model.manifestDigest, file: file, line: line)
        for blob in [model.config] + model.layers {
            let data = try Data(contentsOf: URL(fileURLWithPath: store.blobsDirectory + "/sha256-" + blob.digest.dropFirst(7)))
            XCTAssertEqual(data, try Data(contentsOf: blob.path), "blob \(blob.digest)", file: file, line: line)
        }
        let manifest = try Data(contentsOf: URL(fileURLWithPath: store.manifestPath(reference)))
        XCTAssertEqual(manifest, model.manifest, "manifest byte for byte", file: file, line: line)
    }
}
