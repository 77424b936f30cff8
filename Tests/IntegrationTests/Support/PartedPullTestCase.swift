import Foundation
import ModelGet
import TestSupport
import XCTest

/// A real docker-registry holding one model (`library/parted:v1`), a
/// store, and a library pull of it with a given part plan: what
/// `PartsOverConnectionsTests` and `PartConnectionBoundsTests` put
/// between them (an nginx CDN, a relay or a FaultProxy) is theirs.
class PartedPullTestCase: XCTestCase {
    private(set) var work: URL!
    private(set) var registry: RegistryProcess!

    override func setUpWithError() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("parts-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        registry = try RegistryProcess()
    }

    override func tearDownWithError() throws {
        registry.stop()
        registry = nil  // XCTest keeps the case alive: release the registry's directory now
        try? FileManager.default.removeItem(at: work)
    }

    /// The store pulls write into.
    var store: ModelStore { ModelStore(root: work.appendingPathComponent("models")) }

    /// Puts a model of one layer of `size` bytes in the registry as `library/parted:v1`.
    func seed(layer size: Int64, seed: UInt64) throws -> GeneratedModel {
        let model = try ModelSeeder.ollamaModel(layerSizes: [size], seed: seed, in: work.appendingPathComponent("seed-\(seed)"))
        try ModelSeeder.write(model, to: registry.storageRoot, repository: "library/parted", tag: "v1")
        return model
    }

    /// Pulls `library/parted:v1` from `host` into `store` with `plan`.
    func pull(from host: String, plan: PartPlan, limitRate: Int64? = nil, progress: TransferProgress) async throws -> PullResult {
        try await Self.pull(into: store, work: work, from: host, plan: plan, limitRate: limitRate, stallTimeout: 30, progress: progress)
    }

    /// The same pull without the case, for a task of its own.
    static func pull(into store: ModelStore, work: URL, from host: String, plan: PartPlan, limitRate: Int64?,
                     stallTimeout: TimeInterval, progress: TransferProgress) async throws -> PullResult {
        let client = try RegistryClient(host: host, scheme: "http", insecure: true,
                                        credentials: CredentialStore(environment: ["DOCKER_CONFIG": work.path + "/none"]),
                                        stallTimeout: stallTimeout)
        let options = PullOptions(transfer: TransferOptions(concurrency: 16, parts: plan, limitRate: limitRate,
                                                            retry: RetryPolicy(window: 20, baseDelay: 0.05, maximumDelay: 0.2)))
        return try await ModelPuller(store: store, options: options)
            .pull(try Reference(parsing: "\(host)/library/parted:v1"), client: client, progress: progress)
    }

    /// Every blob of `model` is in the store under its digest.
    func assertStored(_ model: GeneratedModel, file: StaticString = #filePath, line: UInt = #line) throws {
        for blob in [model.config] + model.layers {
            let data = try Data(contentsOf: URL(fileURLWithPath: store.blobsDirectory + "/sha256-" + blob.digest.dropFirst(7)))
            XCTAssertEqual("sha256:" + SHA256Hasher.hex(of: data), blob.digest, file: file, line: line)
        }
    }
}
