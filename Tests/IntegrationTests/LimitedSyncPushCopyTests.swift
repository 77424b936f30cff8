import Foundation
import TestSupport
import XCTest

/// `sync`, `push` and `copy` hold their transfers to `--limit-rate`: a
/// short transfer each, held from above only (at most 1.25× the limit;
/// without it loopback is ~50× faster). A loaded machine can only make
/// them slower, never faster, so they run with the other tests; the
/// pull's bounds from both sides are `LimitRateTests`'.
final class LimitedSyncPushCopyTests: XCTestCase {
    private static let limit = 1 << 20
    private static let layer: Int64 = 4 << 20

    /// Asserts `bytes` moved in `seconds` kept to `--limit-rate 1M`.
    private func assertHeld(_ bytes: Int64, _ seconds: TimeInterval, _ what: String) {
        let rate = Double(bytes) / seconds
        XCTAssertLessThanOrEqual(rate, 1.25 * Double(Self.limit), "\(what): \(bytes) bytes in \(seconds) s")
    }

    func testSyncHoldsItsDownloadsToTheLimit() throws {
        let registry = try RegistryProcess()
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        let model = try CLIHarness.seed(registry, "lib/synced", sizes: [Self.layer, 300], seed: 52, in: cli.scratch)
        let list = cli.scratch.appendingPathComponent("models.json")
        try Data("{\"models\": [{\"name\": \"\(registry.host)/lib/synced\", \"insecure\": true}]}".utf8).write(to: list)
        let started = Date()
        let run = try cli.run(["sync", list.path, "--limit-rate", "1M"])
        let seconds = Date().timeIntervalSince(started)
        XCTAssertEqual(run.status, 0, run.err + run.out.text)
        XCTAssertTrue(FileManager.default.fileExists(atPath: cli.blobPath(model.layers[0].digest)))
        assertHeld(model.totalSize, seconds, "sync")
    }

    func testPushHoldsItsUploadsToTheLimit() throws {
        let registry = try RegistryProcess()
        let target = try RegistryProcess()
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        let model = try CLIHarness.seed(registry, "lib/pushed", sizes: [Self.layer, 300], seed: 53, in: cli.scratch)
        let pulled = try cli.run(["pull", "http://\(registry.host)/lib/pushed", "--insecure"])
        XCTAssertEqual(pulled.status, 0, pulled.err)
        let started = Date()
        let run = try cli.run(["push", "\(registry.host)/lib/pushed", "http://\(target.host)/lib/pushed", "--insecure",
                               "--limit-rate", "1M"])
        let seconds = Date().timeIntervalSince(started)
        XCTAssertEqual(run.status, 0, run.err + run.out.text)
        assertHeld(model.totalSize, seconds, "push")
    }

    func testCopyHoldsItsDownloadsAndUploadsToTheLimit() throws {
        let registry = try RegistryProcess()
        let target = try RegistryProcess()
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        let model = try CLIHarness.seed(registry, "lib/copied", sizes: [Self.layer, 300], seed: 54, in: cli.scratch)
        let started = Date()
        let run = try cli.run(["copy", "http://\(registry.host)/lib/copied", "http://\(target.host)/lib/copied", "--insecure",
                               "--limit-rate", "1M"])
        let seconds = Date().timeIntervalSince(started)
        XCTAssertEqual(run.status, 0, run.err + run.out.text)
        // Each blob comes down, then goes up: both directions held, one after the other.
        assertHeld(2 * model.totalSize, seconds, "copy")
    }
}
