import Foundation
import ModelGet
import XCTest

/// The built binary itself, as a shell sees it: a usage error's exit
/// status 2, its line and hint on stderr and the `--json` object on stdout
/// from a real process, `--help` and `--version`. Every flag rule (a flag a command
/// would ignore, the transfer flags checked alike, network and mirror
/// flags checked before any request) runs in-process in
/// `Tests/ModelGetCLITests/UsageErrorTests.swift`, through the same
/// `CommandLineRunner` the binary calls.
final class CommandFlagsTests: XCTestCase {
    func testAUsageErrorExitsTwoWithItsLineOnStderrAndItsObjectOnStdout() throws {
        let harness = try CLIHarness()
        defer { harness.cleanUp() }
        let run = try harness.run(["pull", "127.0.0.1:1/team/tiny:v1", "--concurrency", "0", "--json"])
        XCTAssertEqual(run.status, 2, run.err)
        XCTAssertEqual(run.err, "modelget: --concurrency must be from 1 to 1024\nhint: modelget pull --help shows every flag, with examples\n")
        XCTAssertEqual(run.out.text, "{\"event\":\"error\",\"kind\":\"usage\",\"message\":\"--concurrency must be from 1 to 1024\"}\n")
    }

    func testHelpIsOnStdoutWithExitZero() throws {
        let harness = try CLIHarness()
        defer { harness.cleanUp() }
        let run = try harness.run(["pull", "--help"])
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertEqual(run.err, "")
        XCTAssertTrue(run.out.text.hasPrefix("OVERVIEW: Pull a model") && run.out.text.contains("EXAMPLES:"), run.out.text)
    }

    func testVersionPrintsTheVersionTheUserAgentSends() throws {
        let process = Process()
        process.executableURL = CLIHarness.binary
        process.arguments = ["--version"]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let printed = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0)
        XCTAssertEqual(printed.trimmingCharacters(in: .whitespacesAndNewlines), UserAgent.version)
    }
}
