import Foundation
@testable import ModelGet
import TestSupport
import XCTest

/// A big blob starts with as many connections as its 64 KiB probe says the
/// path rewards: a probe answered at memory speed (a LAN or loopback
/// registry) gets `memorySpeedParts`, a slower one (a capped CDN) starts
/// the adaptive count at `parallelParts`. The rates are stubbed (`InProcessRegistry`'s paced
/// answers), so no clock of this machine decides the outcome.
final class PartCountFromProbeTests: XCTestCase {
    private var work: URL!

    override func setUpWithError() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("probe-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: work)
    }

    /// Pulls a model of one 16 MiB layer whose probe is answered as
    /// `probe` says and whose parts each at 32 MiB/s; returns the most
    /// parts that were in flight at once.
    private func peakParts(probe: InProcessRegistry.Fault?) async throws -> Int {
        let model = try ModelSeeder.ollamaModel(layerSizes: [16 << 20], seed: 31, in: work.appendingPathComponent("seed"))
        var blobs: [String: Data] = [:]
        for blob in [model.config] + model.layers { blobs[blob.digest] = try Data(contentsOf: blob.path) }
        let registry = InProcessRegistry(manifest: model.manifest, manifestType: model.mediaType, blobs: blobs)
        let layer = model.layers[0].digest
        registry.queueFaults([probe] + Array(repeating: .paced(bytesPerSecond: 32 << 20), count: 64), for: layer)
        // The count is judged every second: within this pull (an eighth of a second: 16 MiB over at least
        // four parts at 32 MiB/s each) it stays where it started.
        let plan = PartPlan(threshold: 1 << 20, partSize: 1 << 20, parallelParts: 8, adaptive: true, maximumParts: 16,
                            adaptInterval: 1)
        let options = PullOptions(transfer: TransferOptions(concurrency: 32, parts: plan))
        let reference = try Reference(parsing: "\(InProcessRegistry.host)/\(registry.repository):\(registry.tag)")
        _ = try await ModelPuller(store: ModelStore(root: work.appendingPathComponent("models")), options: options)
            .pull(reference, client: try registry.client(home: work))
        // The probe itself was alone.
        return registry.peakRequestsCarrying(layer)
    }

    func testAProbeAnsweredAtMemorySpeedStartsFewConnections() async throws {
        let peak = try await peakParts(probe: nil)
        XCTAssertEqual(peak, PartPlan.memorySpeedParts)
    }

    func testAProbeAnsweredSlowerStartsTheUsualEight() async throws {
        // 64 KiB at 8 MiB/s: 8 ms, far below memory speed.
        let peak = try await peakParts(probe: .paced(bytesPerSecond: 8 << 20))
        XCTAssertEqual(peak, 8)
    }

    func testTheJudgmentOfOneBody() {
        XCTAssertEqual(PathSpeed.isMemorySpeed(bytes: 64 << 10, seconds: 0.0001), true, "640 MiB/s")
        XCTAssertEqual(PathSpeed.isMemorySpeed(bytes: 64 << 10, seconds: 0.0078), false, "8 MiB/s")
        XCTAssertNil(PathSpeed.isMemorySpeed(bytes: 4 << 10, seconds: 1), "too small to tell")
        let plan = PartPlan()
        XCTAssertTrue(plan.start(probeAtMemorySpeed: true) == (PartPlan.memorySpeedParts, false), "a few, not growing")
        XCTAssertTrue(plan.start(probeAtMemorySpeed: false) == (plan.parallelParts, true))
        XCTAssertTrue(plan.start(probeAtMemorySpeed: nil) == (plan.parallelParts, true))
        XCTAssertTrue(PartPlan(parallelParts: 6, adaptive: false).start(probeAtMemorySpeed: true) == (6, false), "a fixed --parts is kept")
    }
}
