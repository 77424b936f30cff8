import Foundation
import TestSupport
import XCTest

/// `modelget sync` when a blob fails in its fetch step: every model that
/// names it fails with the blob's reason, and no model's copy asks for
/// that blob again (which would multiply the time an outage takes); the
/// other models complete.
final class SyncFailedBlobTests: XCTestCase {
    func testABlobThatFailsIsAskedForOnceForAllTheModelsThatNameIt() throws {
        let registry = try RegistryProcess()
        let proxy = try CountingProxy(upstream: registry.host)
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        // a and b share their weights (same seed); c is its own.
        let a = try CLIHarness.seed(registry, "lib/a", sizes: [1 << 20, 200], seed: 21, in: cli.scratch)
        let b = try CLIHarness.seed(registry, "lib/b", sizes: [1 << 20, 200, 50], seed: 21, in: cli.scratch)
        let c = try CLIHarness.seed(registry, "lib/c", sizes: [1 << 20], seed: 22, in: cli.scratch)
        let weights = a.layers[0].digest
        XCTAssertEqual(weights, b.layers[0].digest)
        // The registry now serves other bytes of the same size for the shared weights.
        let hex = weights.dropFirst("sha256:".count)
        try ModelSeeder.overwriteBlob(weights, in: registry.storageRoot, with: Data(repeating: 7, count: 1 << 20))
        func asked() -> Int { proxy.requests.filter { $0.path.contains(weights) }.count }

        // How often one pull of one model asks for it. Every attempt mismatches: the pull ends at
        // once, far from the default 30 s stall timeout, which no request may wait out.
        var started = Date()
        let pulled = try cli.run(["pull", "\(proxy.host)/lib/a", "--insecure", "--retry-window", "2s"])
        XCTAssertEqual(pulled.status, 1, pulled.err)
        XCTAssertLessThan(Date().timeIntervalSince(started), Self.bound, "no request waited out the stall timeout")
        let onePull = asked()
        XCTAssertGreaterThan(onePull, 0)

        let list = cli.scratch.appendingPathComponent("models.json")
        let entries = ["a", "b", "c"].map { "{\"name\": \"\(proxy.host)/lib/\($0)\", \"insecure\": true}" }
        try Data("{\"models\": [\(entries.joined(separator: ", "))]}".utf8).write(to: list)
        started = Date()
        let run = try cli.run(["sync", list.path, "--retry-window", "2s"])
        XCTAssertEqual(run.status, 1, run.err + run.out.text)
        XCTAssertLessThan(Date().timeIntervalSince(started), Self.bound, "no request waited out the stall timeout")
        XCTAssertEqual(asked() - onePull, onePull, "asked for as one pull asks, for both models: \(run.out.text)")
        let failed = run.out.text.split(separator: "\n").filter { $0.contains(": FAILED: ") }
        XCTAssertEqual(failed.count, 2, run.out.text)
        XCTAssertTrue(failed.allSatisfy { $0.contains(hex.prefix(12)) }, "each names the blob's failure: \(run.out.text)")
        XCTAssertTrue(run.out.text.contains("lib/c:latest: pulled"), run.out.text)
        XCTAssertTrue(FileManager.default.fileExists(atPath: cli.blobPath(c.layers[0].digest)))
        let listed = try cli.run(["list"]).out.text
        XCTAssertTrue(listed.contains("lib/c") && !listed.contains("lib/a") && !listed.contains("lib/b"), listed)
    }

    /// Half the default stall timeout: a request that waited it out
    /// exceeds it; each command takes well under a second here.
    static let bound: TimeInterval = 15
}
