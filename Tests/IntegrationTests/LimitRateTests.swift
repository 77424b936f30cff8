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
}
