import Foundation
import ModelGet
import TestSupport
import XCTest

/// Every long command ends cleanly on Ctrl-C or SIGTERM, as `pull` does
/// (`PullKilledAndResumedTests`): exit 130, one line saying how to resume
/// (after `--json`'s `error` event), nothing half-named; the next run
/// completes. What a killed import or extract left is removed by the next
/// run, and an import's by `prune`.
final class InterruptTests: XCTestCase {
    private func interrupt(_ subject: OutageTestCase.Subject, with signal: Int32 = SIGINT, json: Bool = false,
                           file: StaticString = #filePath, line: UInt = #line) throws {
        let bench = try OutageBench(image: subject.image)
        try subject.prepare(bench)
        let arguments = try subject.arguments(bench, bench.host)
        let run = try bench.start(arguments + (json ? ["--json"] : []))
        bench.waitForTraffic(uploads: subject.uploads, file: file, line: line)
        kill(run.process.processIdentifier, signal)
        let ending = run.wait(timeout: 30, file: file, line: line)
        XCTAssertEqual(ending.status, 130, ending.err + ending.out, file: file, line: line)
        XCTAssertEqual(ending.err, "modelget: interrupted; run the same command to resume\n", file: file, line: line)
        if json {
            let last = ending.out.split(separator: "\n").last.map(String.init) ?? ""
            XCTAssertTrue(last.contains("\"event\":\"error\"") && last.contains("interrupted"), ending.out, file: file, line: line)
        }
        let again = try bench.start(arguments).wait(timeout: 60, file: file, line: line)
        XCTAssertEqual(again.status, 0, again.err, file: file, line: line)
        try subject.verify(bench)
    }

    func testPush() throws { try interrupt(.push) }
    func testCopyOnSIGTERM() throws { try interrupt(.copy, with: SIGTERM) }
    func testSyncWithJSON() throws { try interrupt(.sync, json: true) }
    func testBlobWithJSON() throws { try interrupt(.blob, json: true) }
    func testExtract() throws { try interrupt(.extract, with: SIGTERM) }

    /// A process id that no process has now.
    private func deadProcessID() throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }

    func testWhatAKilledImportLeftIsRemovedByTheNextImportAndByPrune() throws {
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        let registry = try RegistryProcess()
        _ = try CLIHarness.seed(registry, "library/small", tag: "v1", sizes: [4_000], seed: 26, in: cli.scratch)
        XCTAssertEqual(try cli.run(["pull", "\(registry.host)/library/small:v1", "--insecure"]).status, 0)
        let archive = cli.scratch.path + "/small.tar"
        XCTAssertEqual(try cli.run(["export", "\(registry.host)/library/small:v1", "-o", archive]).status, 0)
        let state = cli.models.path + "/.modelget"
        func leaveStaging() throws -> String {
            let staging = state + "/import-\(try deadProcessID())-7"
            try FileManager.default.createDirectory(atPath: staging + "/blobs", withIntermediateDirectories: true)
            try Data(count: 1 << 20).write(to: URL(fileURLWithPath: staging + "/blobs/member"))
            return staging
        }
        let byImport = try leaveStaging()
        XCTAssertEqual(try cli.run(["import", archive, "--as", "\(registry.host)/library/again:v1"]).status, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: byImport), "the next import removed it")
        let byPrune = try leaveStaging()
        let pruned = try cli.run(["prune", "--partial-age", "0"])
        XCTAssertEqual(pruned.status, 0, pruned.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: byPrune), "prune removed it")
    }

    func testWhatAKilledExtractLeftIsRemovedByTheNextExtract() throws {
        let bench = try OutageBench(image: true)
        let leftover = bench.harness.scratch.path + "/.rootfs.modelget-extract-\(try deadProcessID())-9"
        try FileManager.default.createDirectory(atPath: leftover + "/usr", withIntermediateDirectories: true)
        let arguments = try OutageTestCase.Subject.extract.arguments(bench, bench.host)
        let ending = try bench.start(arguments).wait(timeout: 60)
        XCTAssertEqual(ending.status, 0, ending.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: leftover))
    }
}
