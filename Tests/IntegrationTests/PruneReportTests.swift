import Foundation
import XCTest

/// `prune` says what partial data it keeps, why, and how to remove it;
/// `--json` carries the same figures.
final class PruneReportTests: XCTestCase {
    func testRecentPartialsAreKeptAndSaidSoUntilPartialAgeZero() throws {
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        let partials = cli.models.appendingPathComponent(".modelget/partial")
        try FileManager.default.createDirectory(at: partials, withIntermediateDirectories: true)
        let name = "sha256-" + String(repeating: "ab", count: 32)
        try Data(repeating: 7, count: 3 << 20).write(to: partials.appendingPathComponent(name))

        var run = try cli.run(["prune"])
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertTrue(run.out.text.contains("kept 1 partial downloads (3.15 MB) written in the last 1h00m for a pull to resume; --partial-age 0 removes them"),
                      run.out.text)
        XCTAssertTrue(FileManager.default.fileExists(atPath: partials.appendingPathComponent(name).path))

        run = try cli.run(["prune", "--json", "--dry-run", "--partial-age", "0"])
        XCTAssertEqual(run.status, 0, run.err)
        let done = try XCTUnwrap(run.out.text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }.first { $0["event"] as? String == "done" })
        XCTAssertEqual(done["partials_removed"] as? Int, 1)
        XCTAssertEqual(done["dry_run"] as? Bool, true)

        run = try cli.run(["prune", "--partial-age", "0"])
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertTrue(run.out.text.contains("removed .modelget/partial/\(name)"), run.out.text)
        XCTAssertFalse(FileManager.default.fileExists(atPath: partials.appendingPathComponent(name).path))
    }
}
