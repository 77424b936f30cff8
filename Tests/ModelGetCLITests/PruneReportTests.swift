import Foundation
import Testing

/// `prune` says what partial data it keeps, why, and how to remove it;
/// `--json` carries the same figures. The store alone: run in-process.
@Suite struct PruneReportTests {
    @Test func recentPartialsAreKeptAndSaidSoUntilPartialAgeZero() async throws {
        let cli = try InProcessCLI()
        defer { cli.cleanUp() }
        let partials = cli.models.appendingPathComponent(".modelget/partial")
        try FileManager.default.createDirectory(at: partials, withIntermediateDirectories: true)
        let name = "sha256-" + String(repeating: "ab", count: 32)
        try Data(repeating: 7, count: 3 << 20).write(to: partials.appendingPathComponent(name))

        var run = await cli.run(["prune"])
        #expect(run.status == 0, "\(run.err)")
        #expect(run.out.contains("kept 1 partial downloads (3.15 MB) written in the last 1h00m for a pull to resume; --partial-age 0 removes them"),
                "\(run.out)")
        #expect(FileManager.default.fileExists(atPath: partials.appendingPathComponent(name).path))

        run = await cli.run(["prune", "--json", "--dry-run", "--partial-age", "0"])
        #expect(run.status == 0, "\(run.err)")
        let done = try #require(run.jsonObjects.compactMap { $0 }.first { $0["event"] as? String == "done" }, "\(run.out)")
        #expect(done["partials_removed"] as? Int == 1)
        #expect(done["dry_run"] as? Bool == true)
        #expect(run.jsonObjects.allSatisfy { $0 != nil }, "only JSON on stdout: \(run.out)")
        #expect(FileManager.default.fileExists(atPath: partials.appendingPathComponent(name).path), "a dry run removes nothing")

        run = await cli.run(["prune", "--partial-age", "0"])
        #expect(run.status == 0, "\(run.err)")
        #expect(run.out.contains("removed .modelget/partial/\(name)"), "\(run.out)")
        #expect(!FileManager.default.fileExists(atPath: partials.appendingPathComponent(name).path))
    }
}
