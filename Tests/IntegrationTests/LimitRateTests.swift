import Foundation
import TestSupport
import XCTest

/// `pull --limit-rate` holds the whole pull, across all its connections,
/// to the rate asked. This is a user-visible promise about time, so it is
/// checked over a ~20 s pull: tightly from above (a limit must not be
/// exceeded), loosely from below (a loaded machine may be slower).
final class LimitRateTests: XCTestCase {
    func testLimitRateHoldsTheWholePullAcrossParts() throws {
        let registry = try RegistryProcess()
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        let size: Int64 = 40 << 20
        let model = try CLIHarness.seed(registry, "lib/limited", sizes: [size], seed: 51, in: cli.scratch)
        let started = Date()
        let run = try cli.run(["pull", "http://\(registry.host)/lib/limited", "--insecure", "--limit-rate", "2M",
                               "--part-threshold", "8", "--parts", "4", "--json"])
        let seconds = Date().timeIntervalSince(started)
        XCTAssertEqual(run.status, 0, run.err)
        let rate = Double(model.totalSize) / seconds
        XCTAssertLessThanOrEqual(rate, 1.1 * Double(2 << 20), "\(model.totalSize) bytes in \(seconds) s")
        XCTAssertGreaterThanOrEqual(rate, 0.5 * Double(2 << 20), "\(model.totalSize) bytes in \(seconds) s")
        // Parts ran side by side under the one limit.
        let connections = run.out.text.split(separator: "\n").compactMap { line -> Int? in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return object["connections"] as? Int
        }
        XCTAssertGreaterThanOrEqual(connections.max() ?? 0, 2, "--json reports the connections in use")
    }

    /// A limited pull ends when its bytes are in: within 1.1 × size/rate
    /// + 1 s (asserted with twice that margin). Connections whose parts
    /// were split while the limit held them paused used to stay in flight,
    /// every byte in, until the 30 s stall timeout.
    func testALimitedPullEndsWhenItsBytesAreIn() throws {
        let registry = try RegistryProcess()
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        let rate: Int64 = 32 << 20
        let model = try CLIHarness.seed(registry, "lib/bounded", sizes: [96 << 20, 300], seed: 55, in: cli.scratch)
        let started = Date()
        let run = try cli.run(["pull", "http://\(registry.host)/lib/bounded", "--insecure", "--limit-rate", "32M"])
        let seconds = Date().timeIntervalSince(started)
        XCTAssertEqual(run.status, 0, run.err)
        let bound = 1.1 * Double(model.totalSize) / Double(rate) + 1
        XCTAssertLessThan(seconds, 2 * bound, "\(model.totalSize) bytes at 32M in \(seconds) s (bound \(bound) s)")
        XCTAssertGreaterThan(seconds, 0.8 * Double(model.totalSize) / Double(rate), "the limit held")
    }

    // The other commands that move blobs: a short transfer each, held
    // loosely (at most 1.25× the limit; without it loopback is ~50× faster).

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
