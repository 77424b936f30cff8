import Foundation
import ModelGet
import XCTest

/// Each command takes only the flags it honours: one it would ignore is a
/// usage error (exit 2, one line naming the flag), and the transfer flags
/// are checked the same way by every command that takes them. No registry
/// is needed: every run stops at parsing.
final class CommandFlagsTests: XCTestCase {
    private var harness: CLIHarness!

    override func setUpWithError() throws { harness = try CLIHarness() }
    override func tearDown() { harness.cleanUp() }

    private func assertUsageError(_ arguments: [String], naming text: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let run = try harness.run(arguments)
        XCTAssertEqual(run.status, 2, "\(arguments): \(run.err)", file: file, line: line)
        XCTAssertTrue(run.err.contains(text), "\(arguments): \(run.err)", file: file, line: line)
        // Nothing on stdout, but the error object `--json` asks for.
        let objects = run.out.text.split(separator: "\n").map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String] }
        XCTAssertTrue(objects.allSatisfy { $0?["event"] == "error" && $0?["kind"] == "usage" }, "\(arguments) did nothing: \(run.out.text)",
                      file: file, line: line)
        XCTAssertEqual(objects.count, arguments.contains("--json") ? 1 : 0, run.out.text, file: file, line: line)
    }

    func testAFlagACommandWouldIgnoreIsAUsageError() throws {
        let list = harness.scratch.appendingPathComponent("models.json")
        try Data("{\"models\": [\"127.0.0.1:1/team/tiny:v1\"]}".utf8).write(to: list)
        // Store-only commands talk to no registry; prune and verify print no JSON;
        // sync takes `insecure` per model from its file.
        for arguments in [["list", "--insecure"], ["rm", "tiny", "--insecure"], ["prune", "--insecure"],
                          ["export", "tiny", "-o", harness.scratch.path + "/t.tar", "--insecure"],
                          ["import", harness.scratch.path + "/t.tar", "--insecure"],
                          ["sync", list.path, "--insecure"]] {
            try assertUsageError(arguments, naming: "Unknown option '--insecure'")
        }
        // Commands whose output has no JSON form.
        for arguments in [["logout", "127.0.0.1:1", "--json"], ["login", "127.0.0.1:1", "--json"]] {
            try assertUsageError(arguments, naming: "Unknown option '--json'")
        }
        // Commands that move no blob take no transfer flags.
        for arguments in [["list", "--concurrency", "4"], ["export", "tiny", "-o", harness.scratch.path + "/t.tar", "--stall-timeout", "5"]] {
            try assertUsageError(arguments, naming: "Unknown option")
        }
    }

    func testEveryCommandThatMovesBlobsChecksTheTransferFlagsAlike() throws {
        let list = harness.scratch.appendingPathComponent("models.json")
        try Data("{\"models\": [\"127.0.0.1:1/team/tiny:v1\"]}".utf8).write(to: list)
        let commands: [[String]] = [["pull", "127.0.0.1:1/team/tiny:v1"], ["push", "127.0.0.1:1/team/tiny:v1"],
                                    ["copy", "127.0.0.1:1/team/tiny:v1", "127.0.0.1:2"],
                                    ["blob", "127.0.0.1:1/team/tiny:v1", "-o", harness.scratch.path + "/w"],
                                    ["sync", list.path], ["verify"]]
        for command in commands {
            try assertUsageError(command + ["--concurrency", "0"], naming: "--concurrency must be from 1 to 1024")
            try assertUsageError(command + ["--stall-timeout", "0"], naming: "--stall-timeout must be positive")
        }
        // The download flags, wherever blobs come down.
        for command in [commands[0], commands[3], commands[4]] {
            try assertUsageError(command + ["--parts", "65"], naming: "--parts must be from 1 to 64")
            try assertUsageError(command + ["--max-connections-per-host", "0"], naming: "--max-connections-per-host must be from 1 to 64")
            try assertUsageError(command + ["--limit-rate", "fast"], naming: "--limit-rate wants a positive rate")
        }
        // One retry window for every command that moves bytes.
        for command in commands + [["extract", "127.0.0.1:1/library/debian:12", harness.scratch.path + "/root"]] {
            try assertUsageError(command + ["--retry-window", "soon"], naming: "--retry-window wants a duration such as 2m")
        }
        try assertUsageError(["list", "--retry-window", "2m"], naming: "Unknown option '--retry-window'")
        // The rate limit, wherever blobs go up too.
        for command in [commands[1], commands[2]] {
            try assertUsageError(command + ["--limit-rate", "fast"], naming: "--limit-rate wants a positive rate")
        }
        // The unpacking bound, wherever archives are unpacked.
        for command in [["extract", "127.0.0.1:1/images/x", harness.scratch.path + "/rootfs"], ["import", harness.scratch.path + "/t.tar"]] {
            try assertUsageError(command + ["--max-bytes", "lots"], naming: "--max-bytes wants a positive size")
        }
    }

    func testNetworkAndMirrorFlagsAreCheckedBeforeAnyRequest() throws {
        for command in [["pull", "127.0.0.1:1/team/tiny:v1"], ["push", "127.0.0.1:1/team/tiny:v1"], ["outdated"]] {
            try assertUsageError(command + ["--proxy", "ftp://user:hunter2@proxy:21"], naming: "--proxy: \"ftp://proxy:21\" is not a proxy URL")
            try assertUsageError(command + ["--cacert", harness.scratch.path + "/missing.pem"], naming: "--cacert: cannot read")
        }
        for command in [["pull", "127.0.0.1:1/team/tiny:v1"], ["outdated"]] {
            try assertUsageError(command + ["--mirror", "no-equals-sign"], naming: "--mirror wants HOST=URL")
        }
        // A mirror is for reads: push has no --mirror.
        try assertUsageError(["push", "127.0.0.1:1/team/tiny:v1", "127.0.0.1:2", "--mirror", "a=http://b"], naming: "Unknown option '--mirror'")
        try assertUsageError(["pull"], naming: "Missing expected argument")
        try assertUsageError(["pull", "--outdated", "--as", "x:y"], naming: "--as cannot be used with --outdated")
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
