import Foundation
import ModelGet
import Synchronization
import TestSupport
import XCTest

/// `import` adds blobs and then a manifest naming them, as a pull does, so
/// it holds the store lock as a pull does: while a prune or rm holds it
/// exclusively, nothing of the import reaches `blobs/` or `manifests/`.
final class ImportUnderStoreLockTests: XCTestCase {
    private var work: URL!

    override func setUpWithError() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("import-lock-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: work) }

    func testAnImportWaitsWhileAPruneHoldsTheStoreLock() async throws {
        let reference = try Reference(parsing: "registry.example:5000/library/imported:v1")
        let model = try ModelSeeder.ollamaModel(layerSizes: [40_000, 300], seed: 5, in: work.appendingPathComponent("seed"))
        let source = ModelStore(root: work.appendingPathComponent("source"))
        try source.prepare()
        for blob in [model.config] + model.layers {
            try FileManager.default.copyItem(atPath: blob.path.path, toPath: source.blobPath(try Digest(blob.digest)))
        }
        try await source.whileWriting { lease in try source.writeManifest(model.manifest, for: reference, under: lease) }
        let archive = work.appendingPathComponent("model.tar").path
        _ = try await ModelExporter(store: source).export(reference, to: archive, asDirectory: false)

        let target = ModelStore(root: work.appendingPathComponent("target"))
        try target.prepare()
        // What `prune` holds while it deletes: the store lock, exclusively.
        let lockPath = target.stateDirectory + "/store.lock"
        let lock = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        XCTAssertGreaterThanOrEqual(lock, 0)
        XCTAssertEqual(flock(lock, LOCK_EX), 0)

        let finished = Mutex(false)
        let importing = Task {
            defer { finished.withLock { $0 = true } }
            return try await ModelImporter(store: target).importArchive(at: archive, as: reference)
        }
        // Give the import ample time to stage the archive and reach the lock.
        for _ in 0..<60 where !finished.withLock({ $0 }) {
            try await Task.sleep(nanoseconds: 50_000_000)
        }
        XCTAssertFalse(finished.withLock { $0 }, "the import finished while a prune held the store lock")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: target.blobsDirectory), [])
        XCTAssertNil(target.existingManifestPath(reference))

        flock(lock, LOCK_UN)
        close(lock)
        let result = try await importing.value
        XCTAssertEqual(result.reference, reference)
        XCTAssertEqual(result.blobsAdded, 1 + model.layers.count)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: target.manifestPath(reference))), model.manifest)
        let report = try await target.verify(try target.catalog().models)
        XCTAssertTrue(report.isClean)
        XCTAssertEqual(report.blobsChecked, 1 + model.layers.count)
    }
}
