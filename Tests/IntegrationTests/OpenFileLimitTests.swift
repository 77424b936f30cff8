import Foundation
import TestSupport
import XCTest

/// `--concurrency` beyond what `ulimit -n` allows, against a real
/// docker-registry: the soft limit is raised to the hard one when that is
/// enough, else the concurrency is lowered with a note; the pull never
/// fails with "Too many open files" and leaves no partial files.
final class OpenFileLimitTests: XCTestCase {
    /// Runs `modelget arguments…` under `ulimit` options `limits` (e.g. `-n 160`).
    private func run(_ cli: CLIHarness, limits: String, _ arguments: [String]) throws -> (status: Int32, err: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "ulimit \(limits) && exec \"$0\" \"$@\"", CLIHarness.binary.path] + arguments + ["--models", cli.models.path]
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: errors, as: UTF8.self))
    }

    private func leftovers(_ cli: CLIHarness) throws -> [String] {
        let all = FileManager.default.enumerator(atPath: cli.models.path)?.allObjects as? [String] ?? []
        // The store's own (empty) working folder `.modelget/partial` is not a leftover.
        return all.filter { $0.contains("partial") && $0 != ".modelget/partial" }
    }

    func testConcurrencyIsFittedToTheOpenFileLimit() throws {
        let registry = try RegistryProcess()
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        let model = try CLIHarness.seed(registry, "many/layers", sizes: Array(repeating: 3000, count: 150), seed: 21, in: cli.scratch)
        let ref = "\(registry.host)/many/layers:latest"

        // Soft and hard limit both 160: 1024 transfers cannot fit.
        var result = try run(cli, limits: "-n 160", ["pull", ref, "--insecure", "--concurrency", "1024"])
        XCTAssertEqual(result.status, 0, result.err)
        XCTAssertTrue(result.err.contains("note: --concurrency 1024 needs about 5184 open files but the limit is 160 (ulimit -n); using 19"),
                      result.err)
        XCTAssertEqual(try leftovers(cli), [])
        for blob in [model.config] + model.layers {
            XCTAssertTrue(FileManager.default.fileExists(atPath: cli.blobPath(blob.digest)), blob.digest)
        }

        // A low soft limit under a high hard one is raised without a word.
        try FileManager.default.removeItem(at: cli.models)
        result = try run(cli, limits: "-Sn 100 && ulimit -Hn 8192", ["pull", ref, "--insecure", "--concurrency", "1024"])
        XCTAssertEqual(result.status, 0, result.err)
        XCTAssertFalse(result.err.contains("note:"), result.err)
        XCTAssertEqual(try leftovers(cli), [])
    }
}
