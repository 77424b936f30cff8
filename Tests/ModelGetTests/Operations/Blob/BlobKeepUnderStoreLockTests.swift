import Foundation
@testable import ModelGet
import Synchronization
import TestSupport
import XCTest

/// `blob --keep` downloads into the models directory a blob no manifest
/// names, so it holds the store lock as a pull does, from the download
/// until the blob is delivered: while a prune or rm holds the lock
/// exclusively, nothing of it reaches `blobs/`, and a prune that comes
/// while it runs keeps the blob.
final class BlobKeepUnderStoreLockTests: XCTestCase {
    private var work: URL!

    override func setUpWithError() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("blob-keep-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: work) }

    func testBlobKeepWaitsWhileAPruneHoldsTheStoreLock() async throws {
        let model = try ModelSeeder.ollamaModel(layerSizes: [300_000, 200], seed: 31, in: work.appendingPathComponent("seed"))
        var blobs: [String: Data] = [:]
        for blob in [model.config] + model.layers { blobs[blob.digest] = try Data(contentsOf: blob.path) }
        let registry = InProcessRegistry(manifest: model.manifest, manifestType: model.mediaType, blobs: blobs)
        let router = SourceRouter(credentials: CredentialStore(environment: ["DOCKER_CONFIG": work.path + "/none", "HOME": work.path]),
                                  http: registry, retry: RetryPolicy(window: 10, baseDelay: 0.001, maximumDelay: 0.01))
        let store = ModelStore(root: work.appendingPathComponent("models"))
        try store.prepare()
        let reference = try Reference(parsing: "\(InProcessRegistry.host)/\(registry.repository):\(registry.tag)")
        let weights = try Digest(model.layers[0].digest)
        let file = work.appendingPathComponent("weights.gguf").path

        // What `prune` holds while it deletes: the store lock, exclusively.
        let deleting = try XCTUnwrap(store.lockForDeleting())
        let finished = Mutex(false)
        let exporting = Task {
            defer { finished.withLock { $0 = true } }
            return try await BlobExporter(store: store, router: router, keepInStore: true).export(reference, to: .file(file))
        }
        // Ample time (the whole export takes some 60 ms) to resolve the manifest, download and deliver, were it not waiting.
        for _ in 0..<20 where !finished.withLock({ $0 }) {
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        XCTAssertFalse(finished.withLock { $0 }, "the export finished while a prune held the store lock")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: store.blobsDirectory), [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: file))

        deleting.release()
        let result = try await exporting.value
        XCTAssertEqual(result.descriptor.digest, weights)
        XCTAssertEqual(FileManager.default.contents(atPath: file), blobs[model.layers[0].digest])
        XCTAssertEqual(FileManager.default.contents(atPath: store.blobPath(weights)), blobs[model.layers[0].digest],
                       "kept in the store")
    }
}
