import Foundation
import ModelGet
import TestSupport
import XCTest

/// What modelget prints besides the live frame: progress lines in a log
/// (not a terminal), `-q`, `-v` and `--debug`, against a real
/// docker-registry, through a FaultProxy where a transfer must be slow,
/// cut or redirected.
final class OutputModesTests: XCTestCase {
    private var cli: CLIHarness!
    private var registry: RegistryProcess!

    override func setUpWithError() throws {
        cli = try CLIHarness()
        registry = try RegistryProcess()
    }

    override func tearDown() {
        registry.stop()
        cli.cleanUp()
    }

    /// The lines a process writes to stderr, each with the seconds since it started.
    private func timedErrorLines(_ arguments: [String]) throws -> (status: Int32, lines: [(at: TimeInterval, text: String)], out: String) {
        let started = Date()
        let (process, out, err) = try cli.start(arguments)
        var lines: [(TimeInterval, String)] = []
        var pending = Data()
        let reader = err.fileHandleForReading
        while true {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            pending += chunk
            while let newline = pending.firstIndex(of: 0x0A) {
                lines.append((Date().timeIntervalSince(started), String(decoding: pending[..<newline], as: UTF8.self)))
                pending = pending[(newline + 1)...]
            }
        }
        let output = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, lines, output.text)
    }

    func testOffATerminalProgressLinesShowLifeWhileAPullRuns() throws {
        _ = try CLIHarness.seed(registry, "team/slow", tag: "v1", sizes: [3 << 20, 100_000, 100_001], seed: 51, in: cli.scratch)
        var faults = FaultProxy.Faults()
        faults.bytesPerSecond = 1 << 20
        let proxy = try FaultProxy(upstreamPort: registry.port, faults: faults)
        defer { proxy.stop() }
        let started = Date()
        let run = try timedErrorLines(["pull", "http://\(proxy.host)/team/slow:v1", "--insecure", "--concurrency", "1"])
        let seconds = Date().timeIntervalSince(started)
        XCTAssertEqual(run.status, 0, run.lines.map(\.text).joined(separator: "\n"))
        let progress = run.lines.filter { $0.text.range(of: #"^pulling .*/team/slow:v1  \d+%  .* blobs"#, options: .regularExpression) != nil }
        XCTAssertGreaterThanOrEqual(progress.count, 2, "lines while it ran: \(run.lines.map(\.text))")
        let first = try XCTUnwrap(progress.first)
        XCTAssertLessThan(first.at, 20, "the first line within 10 s (2x allowed)")
        XCTAssertLessThan(first.at, seconds - 0.5, "it came while bytes still moved, not with the summary")
        XCTAssertFalse(run.lines.contains { $0.text.contains("\u{1B}") }, "no terminal escapes in a log")
        XCTAssertTrue(run.out.hasPrefix("pulled "), run.out)
    }

    func testQuietPrintsOnlyTheFinalLine() throws {
        _ = try CLIHarness.seed(registry, "team/tiny", tag: "v1", sizes: [200_000, 300], seed: 52, in: cli.scratch)
        // -q with -v is a usage error: Tests/ModelGetCLITests/UsageErrorTests.
        let quiet = try cli.run(["pull", "\(registry.host)/team/tiny:v1", "--insecure", "-q"])
        XCTAssertEqual(quiet.status, 0, quiet.err)
        XCTAssertEqual(quiet.err, "")
        XCTAssertTrue(quiet.out.text.hasPrefix("pulled \(registry.host)/team/tiny:v1"), quiet.out.text)
        let failed = try cli.run(["pull", "\(registry.host)/team/none:v1", "--insecure", "-q"])
        XCTAssertEqual(failed.status, 1)
        XCTAssertTrue(failed.err.hasPrefix("modelget: "), "errors still show: \(failed.err)")
    }

    func testVerboseSaysRedirectsRetriesWithReasonsResumesAndPhases() throws {
        _ = try CLIHarness.seed(registry, "team/cut", tag: "v1", sizes: [400_000, 300], seed: 53, in: cli.scratch)
        var faults = FaultProxy.Faults()
        faults.redirectBlobsToCDN = true
        faults.cutAfterBytes = 100_000
        let proxy = try FaultProxy(upstreamPort: registry.port, faults: faults)
        defer { proxy.stop() }
        let run = try cli.run(["pull", "http://\(proxy.host)/team/cut:v1", "--insecure", "-v", "--concurrency", "1"])
        XCTAssertEqual(run.status, 0, run.err)
        for said in ["307 redirect to http://127.0.0.2:", "retrying sha256:", "connection closed", "syncing to disk", "writing manifest", "done"] {
            XCTAssertTrue(run.err.contains(said), "\(said) in: \(run.err)")
        }

        // A pull killed half way, run again: it says what it resumes.
        _ = try CLIHarness.seed(registry, "team/killed", tag: "v1", sizes: [4 << 20, 300], seed: 54, in: cli.scratch)
        var slow = FaultProxy.Faults()
        slow.bytesPerSecond = 1 << 20
        let throttled = try FaultProxy(upstreamPort: registry.port, faults: slow)
        defer { throttled.stop() }
        let (process, _, _) = try cli.start(["pull", "http://\(throttled.host)/team/killed:v1", "--insecure", "--part-threshold", "1"])
        let partials = cli.models.appendingPathComponent(".modelget/partial").path
        let deadline = Date().addingTimeInterval(30)
        // Kill it once its part state records bytes (written every 0.25 s).
        while Date() < deadline, ((try? FileManager.default.contentsOfDirectory(atPath: partials)) ?? []).filter({ $0.hasSuffix(".json") }).isEmpty {
            Thread.sleep(forTimeInterval: 0.1)
        }
        Thread.sleep(forTimeInterval: 0.5)
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        let resumed = try cli.run(["pull", "\(registry.host)/team/killed:v1", "--insecure", "-v", "--part-threshold", "1"])
        XCTAssertEqual(resumed.status, 0, resumed.err)
        XCTAssertNotNil(resumed.err.range(of: #"resuming sha256:[0-9a-f]{64}: [0-9.]+ (KiB|MiB) already here"#, options: .regularExpression),
                        resumed.err)
    }

    func testASecondPullOfTheSameModelSaysItWaitsForTheFirst() throws {
        let model = try CLIHarness.seed(registry, "team/shared", tag: "v1", sizes: [3 << 20, 300], seed: 56, in: cli.scratch)
        var faults = FaultProxy.Faults()
        faults.bytesPerSecond = 1 << 20
        let slow = try FaultProxy(upstreamPort: registry.port, faults: faults)
        defer { slow.stop() }
        let (first, _, _) = try cli.start(["pull", "http://\(slow.host)/team/shared:v1", "--insecure", "-q"])
        let partial = cli.models.appendingPathComponent(".modelget/partial/" + model.layers[0].digest.replacingOccurrences(of: ":", with: "-")).path
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline, !FileManager.default.fileExists(atPath: partial) { Thread.sleep(forTimeInterval: 0.05) }
        let second = try cli.run(["pull", "\(registry.host)/team/shared:v1", "--insecure", "-v"])
        first.waitUntilExit()
        XCTAssertEqual(first.terminationStatus, 0)
        XCTAssertEqual(second.status, 0, second.err)
        XCTAssertTrue(second.err.contains("waiting for another modelget pulling \(model.layers[0].digest)"), second.err)
    }

    func testDebugPrintsEachExchangeAndNoSecret() throws {
        let guarded = try RegistryProcess(auth: .htpasswd(user: "alice", password: "s3cret-pw"))
        defer { guarded.stop() }
        _ = try CLIHarness.seed(guarded, "team/tiny", tag: "v1", sizes: [20_000, 300], seed: 55, in: cli.scratch)
        let environment = ["MODELGET_USERNAME": "alice", "MODELGET_PASSWORD": "s3cret-pw"]
        for flags in [["--debug"], []] {
            try? FileManager.default.removeItem(at: cli.models)
            let run = try cli.run(["pull", "\(guarded.host)/team/tiny:v1", "--insecure"] + flags,
                                  environment: flags.isEmpty ? environment.merging(["MODELGET_DEBUG": "1"]) { $1 } : environment)
            XCTAssertEqual(run.status, 0, run.err)
            for said in ["> GET http://\(guarded.host)/v2/team/tiny/manifests/v1", "< 401 GET http://\(guarded.host)/v2/",
                         "WWW-Authenticate: Basic realm=", "Authorization: Basic (redacted)", "< 200 GET http://\(guarded.host)/v2/team/tiny/blobs/sha256:"] {
                XCTAssertTrue(run.err.contains(said), "\(said) in: \(run.err)")
            }
            for secret in ["s3cret-pw", Data("alice:s3cret-pw".utf8).base64EncodedString()] {
                XCTAssertFalse(run.err.contains(secret) || run.out.text.contains(secret), "\(secret) printed")
            }
        }
    }
}
