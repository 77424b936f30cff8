import Foundation
import TestSupport
import XCTest

/// The four outages every command that moves bytes must survive, played on
/// a real docker-registry (`OutageBench`), each with or without
/// `--limit-rate`: killed mid-transfer and back inside the retry window
/// (the command completes), killed for good (exit 1 in one line within the
/// window + 30 s, what arrived kept, a later run completes), frozen with
/// SIGSTOP (the same, the stall cut by `--stall-timeout`), and refusing
/// connections from the start (exit 1 in one line within seconds).
class OutageTestCase: XCTestCase {
    /// One command under test.
    struct Subject: Sendable {
        /// Its arguments against the bench's registry host.
        var arguments: @Sendable (_ bench: OutageBench, _ host: String) throws -> [String]
        /// Runs before the command (e.g. puts a model in the store to push).
        var prepare: @Sendable (OutageBench) throws -> Void = { _ in }
        /// True when the command's bytes go up (push), false when they come down.
        var uploads = false
        /// Checks what a finished command left (the store verifies, the file is right).
        var verify: @Sendable (OutageBench) throws -> Void
        /// Checks what an interrupted command kept for the next run, if anything.
        var kept: (@Sendable (OutageBench) throws -> Void)?
        /// The image (extract) instead of a model.
        var image = false
        /// What arrived is kept for the next run (extract starts again).
        var keepsPartial = true
        /// The line a failed run reports: stderr's one error line, its last
        /// (off a terminal, progress lines may come before it), else (sync)
        /// the one `FAILED` line of its report.
        var failureLine: @Sendable (RunningCommand.Ending) -> String? = { ending in
            let lines = ending.err.split(separator: "\n")
            let errors = lines.filter { $0.hasPrefix("modelget: ") }
            guard errors.count == 1, let last = lines.last, last == errors[0] else { return nil }
            return String(last.dropFirst("modelget: ".count))
        }
    }

    /// The flags every run gets: a short window and a short stall timeout.
    private func flags(window: String, limitRate: String?) -> [String] {
        ["--retry-window", window, "--stall-timeout", "1"] + (limitRate.map { ["--limit-rate", $0] } ?? [])
    }

    /// `--limit-rate` for the limited variants: below the relay's pace, so the limit is what slows them.
    static let limitRate = "3M"

    func restartedInsideTheWindow(_ subject: Subject, limitRate: String? = nil,
                                  file: StaticString = #filePath, line: UInt = #line) throws {
        let bench = try OutageBench(image: subject.image)
        try subject.prepare(bench)
        let run = try bench.start(try subject.arguments(bench, bench.host) + flags(window: "20s", limitRate: limitRate))
        bench.waitForTraffic(uploads: subject.uploads, file: file, line: line)
        bench.registry.crash()
        Thread.sleep(forTimeInterval: 1)
        try bench.registry.restart()
        let ending = run.wait(timeout: 60, file: file, line: line)
        XCTAssertEqual(ending.status, 0, ending.err, file: file, line: line)
        try subject.verify(bench)
    }

    func killedForGood(_ subject: Subject, limitRate: String? = nil, file: StaticString = #filePath, line: UInt = #line) throws {
        let bench = try OutageBench(image: subject.image)
        try subject.prepare(bench)
        let arguments = try subject.arguments(bench, bench.host)
        let run = try bench.start(arguments + flags(window: OutageBench.window, limitRate: limitRate))
        bench.waitForTraffic(uploads: subject.uploads, file: file, line: line)
        bench.registry.crash()
        let killedAt = Date()
        let ending = run.wait(timeout: 120, file: file, line: line)
        assertGaveUpInOneLine(ending, subject, bench: bench, within: Date().timeIntervalSince(killedAt), file: file, line: line)
        try subject.kept?(bench)
        try bench.registry.restart()
        bench.relay.reshape(TCPRelay.Shaping())  // nothing is cut during the run that completes: no pace needed
        let again = try bench.start(arguments + flags(window: "20s", limitRate: limitRate)).wait(timeout: 60, file: file, line: line)
        XCTAssertEqual(again.status, 0, again.err, file: file, line: line)
        try subject.verify(bench)
    }

    func frozen(_ subject: Subject, limitRate: String? = nil, file: StaticString = #filePath, line: UInt = #line) throws {
        let bench = try OutageBench(image: subject.image)
        try subject.prepare(bench)
        let arguments = try subject.arguments(bench, bench.host)
        let run = try bench.start(arguments + flags(window: OutageBench.window, limitRate: limitRate))
        bench.waitForTraffic(uploads: subject.uploads, file: file, line: line)
        bench.registry.freeze()
        let frozenAt = Date()
        let ending = run.wait(timeout: 120, file: file, line: line)
        // The stall is noticed after --stall-timeout (1 s), then the window runs.
        assertGaveUpInOneLine(ending, subject, bench: bench, within: Date().timeIntervalSince(frozenAt) - 1, file: file, line: line)
        try subject.kept?(bench)
        bench.registry.thaw()
        bench.relay.reshape(TCPRelay.Shaping())  // nothing is cut during the run that completes: no pace needed
        let again = try bench.start(arguments + flags(window: "20s", limitRate: limitRate)).wait(timeout: 60, file: file, line: line)
        XCTAssertEqual(again.status, 0, again.err, file: file, line: line)
        try subject.verify(bench)
    }

    func refusedFromTheStart(_ subject: Subject, limitRate: String? = nil, file: StaticString = #filePath, line: UInt = #line) throws {
        let bench = try OutageBench(image: subject.image)
        try subject.prepare(bench)
        let arguments = try subject.arguments(bench, bench.directHost)
        bench.registry.crash()
        // The default window: a registry that never answered fails fast whatever the window.
        let ending = try bench.start(arguments + (limitRate.map { ["--limit-rate", $0] } ?? []))
            .wait(timeout: 60, file: file, line: line)
        XCTAssertEqual(ending.status, 1, ending.err, file: file, line: line)
        XCTAssertLessThan(ending.seconds, 10, "a registry that is not running fails fast", file: file, line: line)
        let text = subject.failureLine(ending)
        XCTAssertTrue(text?.contains("could not connect to \(bench.directHost): connection refused") == true,
                      ending.err + ending.out, file: file, line: line)
        XCTAssertTrue(text?.contains("nothing has answered at \(bench.directHost)") == true, ending.err + ending.out, file: file, line: line)
    }

    /// Exit 1, one line naming the registry, since when, and that what
    /// arrived is kept; within the window + 30 s of the outage.
    private func assertGaveUpInOneLine(_ ending: RunningCommand.Ending, _ subject: Subject, bench: OutageBench,
                                       within seconds: TimeInterval, file: StaticString, line: UInt) {
        XCTAssertEqual(ending.status, 1, ending.err, file: file, line: line)
        XCTAssertLessThan(seconds, OutageBench.windowSeconds + 30, "gave up within the window + 30 s", file: file, line: line)
        guard let text = subject.failureLine(ending) else { return XCTFail("not one line: \(ending.err)\(ending.out)", file: file, line: line) }
        XCTAssertTrue(text.contains("\(bench.host) unreachable since "), text, file: file, line: line)
        let tail = subject.keepsPartial ? "the partial transfer is kept: run the same command to resume" : "run the same command to start again"
        XCTAssertTrue(text.hasSuffix(tail), text, file: file, line: line)
    }
}
