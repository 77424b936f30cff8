import Foundation
import Synchronization
@testable import ModelGet
import TestSupport
import XCTest

/// The pull engine's retry, redirect and stall handling, driven through
/// the `HTTPClient` seam by `InProcessRegistry`: fast, and with no
/// registry or socket, so each test sees exactly the requests the engine
/// made and the blobs it kept.
final class FetchEngineTests: XCTestCase {
    private var work: URL!
    private var model: GeneratedModel!
    /// A 2 MiB layer (fetched as parts under `plan`), a 600 KB one, and the config.
    private static let layerSizes: [Int64] = [2 << 20, 600_000]
    private static let plan = PartPlan(threshold: 1 << 20, partSize: 512 << 10, parallelParts: 2, adaptive: false)

    override func setUpWithError() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("engine-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        model = try ModelSeeder.ollamaModel(layerSizes: Self.layerSizes, seed: 21, in: work.appendingPathComponent("seed"))
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: work)
    }

    private var store: ModelStore { ModelStore(root: work.appendingPathComponent("models")) }
    private var bigLayer: GeneratedModel.Blob { model.layers[0] }
    private var smallLayer: GeneratedModel.Blob { model.layers[1] }

    private func registry(redirectsToCDN: Bool = false) throws -> InProcessRegistry {
        var blobs: [String: Data] = [:]
        for blob in [model.config] + model.layers { blobs[blob.digest] = try Data(contentsOf: blob.path) }
        return InProcessRegistry(manifest: model.manifest, manifestType: model.mediaType, blobs: blobs, redirectsToCDN: redirectsToCDN)
    }

    private func pull(from registry: InProcessRegistry, stallTimeout: TimeInterval = 30,
                      retry: RetryPolicy = RetryPolicy(window: 10, baseDelay: 0.001, maximumDelay: 0.01)) async throws -> PullResult {
        let options = PullOptions(transfer: TransferOptions(concurrency: 4, parts: Self.plan, retry: retry))
        let reference = try Reference(parsing: "\(InProcessRegistry.host)/\(registry.repository):\(registry.tag)")
        return try await ModelPuller(store: store, options: options)
            .pull(reference, client: try registry.client(stallTimeout: stallTimeout, home: work))
    }

    /// Every blob of the model is in the store with exactly its bytes.
    private func assertStoreHoldsTheModel(file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(try model.storeProblems(inModelsDirectory: store.root.path), [], file: file, line: line)
    }

    func testAPullReportsEachPhaseInOrderAndEachBigBlobVerified() async throws {
        let registry = try registry()
        let said = Mutex<[String]>([])
        Diagnostics.install(.init(level: .verbose) { _, message in said.withLock { $0.append(message) } })
        defer { Diagnostics.install(nil) }
        let progress = TransferProgress()
        XCTAssertEqual(progress.snapshot().phase, .resolving, "nothing to count before the manifest")
        let options = PullOptions(transfer: TransferOptions(concurrency: 4, parts: Self.plan))
        let reference = try Reference(parsing: "\(InProcessRegistry.host)/\(registry.repository):\(registry.tag)")
        _ = try await ModelPuller(store: store, options: options)
            .pull(reference, client: try registry.client(stallTimeout: 30, home: work), progress: progress)
        let phases = said.withLock { $0 }.filter { ["transferring", "syncing to disk", "writing manifest", "done"].contains($0) }
        XCTAssertEqual(phases, ["transferring", "syncing to disk", "writing manifest", "done"])
        let snapshot = progress.snapshot()
        XCTAssertEqual(snapshot.phase, .done)
        XCTAssertEqual(snapshot.completedBlobs, 3)
        XCTAssertEqual(snapshot.blobs, [BlobProgress(digest: bigLayer.digest, size: 2 << 20, completed: 2 << 20, state: .done)],
                       "only the blob fetched as parts gets a line of its own")
        XCTAssertEqual(snapshot.smallBlobs.done, 2)
        XCTAssertEqual(snapshot.keptBytes, 0)
    }

    func testACleanPullFetchesTheBigBlobAsRangesWithOneToken() async throws {
        let registry = try registry()
        let result = try await pull(from: registry)
        XCTAssertEqual(result.bytesTransferred, model.totalSize)
        try assertStoreHoldsTheModel()
        let ranged = registry.blobRequests(bigLayer.digest).registry.filter { $0.range != nil }
        XCTAssertGreaterThanOrEqual(ranged.count, 4, "2 MiB in parts of at most 512 KiB")
        XCTAssertEqual(registry.tokenRequests, 1, "one token, cached, for the manifest and every blob")
    }

    func testRetryAfterIsHonoured() async throws {
        let registry = try registry()
        // A 503 asking for 2 s; the policy's own backoff would be a millisecond.
        registry.queueFaults([.status(503, retryAfter: "2")], for: smallLayer.digest)
        _ = try await pull(from: registry, retry: RetryPolicy(window: 30, baseDelay: 0.001, maximumDelay: 10))
        try assertStoreHoldsTheModel()
        let gets = registry.blobRequests(smallLayer.digest).registry.filter { $0.authorization != nil }
        XCTAssertEqual(gets.count, 2, "refused once, then fetched")
        let (refused, again) = (gets[0], gets[1])
        XCTAssertNotNil(refused.fault)
        let waited = refused.at.duration(to: again.at)
        XCTAssertGreaterThanOrEqual(waited, .seconds(2), "waited as long as Retry-After asked")
        XCTAssertLessThan(waited, .seconds(60), "and not without end")
    }

    func testARedirectToACDNIsFollowedWithoutCredentialsAndItsLocationReused() async throws {
        let registry = try registry(redirectsToCDN: true)
        _ = try await pull(from: registry)
        try assertStoreHoldsTheModel()
        let (fromRegistry, fromCDN) = registry.blobRequests(bigLayer.digest)
        XCTAssertEqual(fromRegistry.filter { $0.authorization != nil }.count, 1,
                       "the registry is asked once; the parts go to the CDN location it named")
        XCTAssertGreaterThanOrEqual(fromCDN.count, 4, "a probe and 512 KiB parts for the rest of 2 MiB")
        XCTAssertEqual(registry.requests.filter(\.onCDN).compactMap(\.authorization), [], "no credentials to the CDN")
    }

    func testAStalledTransferIsRetriedFromTheByteItReached() async throws {
        let registry = try registry()
        registry.queueFaults([.stall(afterBytes: 100_000)], for: smallLayer.digest)
        _ = try await pull(from: registry, stallTimeout: 0.5)
        try assertStoreHoldsTheModel()
        let blobGets = registry.requests.filter { $0.url.path.contains("/blobs/") }
        XCTAssertTrue(blobGets.allSatisfy { $0.stallTimeout == 0.5 }, "every transfer carries the stall timeout asked for")
        let gets = registry.blobRequests(smallLayer.digest).registry.filter { $0.authorization != nil }
        XCTAssertEqual(gets.count, 2, "stalled once, then fetched")
        XCTAssertNil(gets[0].range, "the whole blob was asked first")
        XCTAssertEqual(gets[1].range?.lower, 100_000, "resumed where the stall stopped the bytes")
    }

    func testACutConnectionIsResumedNotRestarted() async throws {
        let registry = try registry()
        // Both cuts fall inside the first request (the 64 KiB probe).
        registry.queueFaults([.cut(afterBytes: 20_000), .cut(afterBytes: 20_000)], for: bigLayer.digest)
        let result = try await pull(from: registry)
        try assertStoreHoldsTheModel()
        XCTAssertEqual(result.bytesTransferred, model.totalSize, "no byte fetched twice")
        let starts = registry.blobRequests(bigLayer.digest).registry.filter { $0.authorization != nil }.prefix(3).map { $0.range?.lower }
        XCTAssertEqual(starts, [0, 20_000, 40_000], "each attempt starts where the cut one stopped")
    }

    func testARefusalIsNotRetriedAndNoManifestIsWritten() async throws {
        let registry = try registry()
        for blob in [model.config] + model.layers { registry.queueFaults(Array(repeating: .status(403), count: 5), for: blob.digest) }
        do {
            _ = try await pull(from: registry)
            XCTFail("the pull succeeded")
        } catch {
            XCTAssertTrue("\(error)".contains("injected 403"), "\(error)")
        }
        for blob in [model.config] + model.layers {
            XCTAssertLessThanOrEqual(registry.blobRequests(blob.digest).registry.filter { $0.authorization != nil }.count, 1,
                                     "a 403 is not asked again")
        }
        let reference = try Reference(parsing: "\(InProcessRegistry.host)/\(registry.repository):\(registry.tag)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: store.manifestPath(reference)))
    }

    func testAFailingBlobIsRetriedForTheRetryWindowThenFailsInOneLine() async throws {
        let registry = try registry()
        registry.queueFaults(Array(repeating: .status(500), count: 1000), for: bigLayer.digest)
        let started = ContinuousClock.now
        do {
            _ = try await pull(from: registry, retry: RetryPolicy(window: 0.5, baseDelay: 0.02, maximumDelay: 0.05))
            XCTFail("the pull succeeded")
        } catch {
            let line = "\(error)"
            XCTAssertTrue(line.contains("\(InProcessRegistry.host) unreachable since"), line)
            XCTAssertTrue(line.contains("HTTP 500") && line.contains("injected 500"), line)
            XCTAssertTrue(line.contains("run the same command to resume"), line)
            XCTAssertFalse(line.contains("\n"))
        }
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(10), "given up at the window's end, not later")
        let attempts = registry.blobRequests(bigLayer.digest).registry.filter { $0.authorization != nil }.count
        XCTAssertGreaterThan(attempts, 3, "retried while the window lasted")
        XCTAssertLessThan(attempts, 200, "with backoff, not in a tight loop")
    }
}
