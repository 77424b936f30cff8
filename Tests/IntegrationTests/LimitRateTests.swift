import Foundation
import TestSupport
import XCTest

/// `pull --limit-rate` holds the whole pull, across all its connections,
/// to the rate asked: tightly from above (a limit must not be exceeded),
/// loosely from below (a loaded machine may be slower). The lower bounds
/// follow the machine's speed, so these run alone (the Makefile's
/// TESTS_ALONE); `LimitedSyncPushCopyTests` hold the other commands from
/// above only and run with the rest.
final class LimitRateTests: XCTestCase {
    /// A ~6 s pull of 4 parts at 8 MiB/s. Over a pull of `T` seconds the
    /// limiter lets through at most `limit × T`, plus its burst (a tenth
    /// of a second of the limit) and one chunk of debt per connection
    /// (4 × 256 KiB, an eighth of a second at 8 MiB/s): at most 4 % over
    /// here, so the 10 % bound fails any limiter that is not held over the
    /// whole run (one that let a part, a split or the later seconds go
    /// free would be far over it).
    func testLimitRateHoldsTheWholePullAcrossParts() throws {
        let registry = try RegistryProcess()
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        let limit = Double(8 << 20)
        let size: Int64 = 48 << 20
        let model = try CLIHarness.seed(registry, "lib/limited", sizes: [size], seed: 51, in: cli.scratch)
        let started = Date()
        let run = try cli.run(["pull", "http://\(registry.host)/lib/limited", "--insecure", "--limit-rate", "8M",
                               "--part-threshold", "8", "--parts", "4", "--json"])
        let seconds = Date().timeIntervalSince(started)
        XCTAssertEqual(run.status, 0, run.err)
        let rate = Double(model.totalSize) / seconds
        XCTAssertLessThanOrEqual(rate, 1.1 * limit, "\(model.totalSize) bytes in \(seconds) s")
        XCTAssertGreaterThanOrEqual(rate, 0.5 * limit, "\(model.totalSize) bytes in \(seconds) s")
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
}
