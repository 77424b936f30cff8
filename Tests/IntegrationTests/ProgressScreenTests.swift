import Foundation
import TestSupport
import XCTest

/// What a person sees: modelget pulling through a slow loopback relay
/// (each connection capped) into a real terminal (tmux) at 120, 80 and 40
/// columns, read as the screen shows it.
final class ProgressScreenTests: XCTestCase {
    private var cli: CLIHarness!
    private var registry: RegistryProcess!
    private var relay: TCPRelay!
    /// A 2 MiB blob (fetched in parts, a line of its own), 6 small ones (one
    /// at a time, about 0.15 s each through the relay) and the config: 8 blobs.
    private let sizes: [Int64] = [2 << 20, 300_000, 300_001, 300_002, 300_003, 300_004, 300_005]

    override func setUpWithError() throws {
        cli = try CLIHarness()
        registry = try RegistryProcess()
        _ = try CLIHarness.seed(registry, "team/screen", tag: "v1", sizes: sizes, seed: 77, in: cli.scratch)
        relay = try TCPRelay(upstreamPort: registry.port, shaping: .init(bytesPerSecond: 2 << 20))
    }

    override func tearDown() {
        relay.stop()
        registry.stop()
        cli.cleanUp()
    }

    private func pull(width: Int, models: String) throws -> TmuxScreen {
        try TmuxScreen(width: width, arguments: [CLIHarness.binary.path, "pull", "127.0.0.1:\(relay.port)/team/screen:v1", "--insecure",
                                                 "--models", models, "--concurrency", "1", "--part-threshold", "1"])
    }

    /// A frame line's last word is whole: a unit, a percentage, a count, a state; never a cut number such as `73.`.
    private func assertEndsWhole(_ line: String, file: StaticString = #filePath, fileLine: UInt = #line) {
        let last = line.split(separator: " ").last.map(String.init) ?? ""
        XCTAssertNotNil(last.range(of: #"^(\d+%|\d+/\d+|\d+s|\d+m\d\ds|\d+h\d\dm|[A-Za-z/…:]+)$"#, options: .regularExpression),
                        "a cut number ends \"\(line)\"", file: file, line: fileLine)
    }

    func testEachWidthShowsBlobLinesTheCounterMovingByOneAndThePhaseAfterTheLastByte() throws {
        for width in [120, 80, 40] {
            let models = cli.scratch.appendingPathComponent("models-\(width)").path
            let screen = try pull(width: width, models: models)
            defer { screen.stop() }
            var counts = Set<Int>()
            var sawBlobLine = false
            let done = screen.waitFor(timeout: 60, each: { lines in
                // The frame fits the terminal (the summary after it fits 80 columns).
                for line in lines.prefix(while: { !$0.hasPrefix("pulled ") }) {
                    XCTAssertLessThanOrEqual(line.count, width, "wider than the terminal: \(line)")
                }
                guard let total = lines.first(where: { $0.contains("%") && !$0.hasPrefix("  ") }) else { return }
                self.assertEndsWhole(total)
                if let match = total.range(of: #"\d+/8 blobs"#, options: .regularExpression) {
                    counts.insert(Int(total[match].prefix { $0.isNumber })!)
                }
                // The big blob's own line: its short digest (dropped at 40 columns) or its percentage, indented.
                sawBlobLine = sawBlobLine || lines.contains { $0.hasPrefix("  ") && $0.contains("%") && !$0.contains("small blobs") }
            }) { $0.contains { $0.hasPrefix("EXIT:") } }
            let final = try XCTUnwrap(done, "the pull at \(width) columns did not end")
            XCTAssertEqual(screen.exitStatus, 0, final.joined(separator: "\n"))
            XCTAssertTrue(sawBlobLine, "no line for the big blob at \(width): \(final)")
            // Small blobs complete one at a time: the counter is seen at two neighbouring values on the way.
            XCTAssertTrue(counts.contains { $0 >= 1 && $0 < 8 && counts.contains($0 + 1) }, "counts seen at \(width): \(counts.sorted())")
            // After the last byte the frame stays, at 100 %, with the phase it ended in, then the summary.
            let frameEnd = try XCTUnwrap(final.firstIndex(of: "done"), "no phase line at \(width): \(final)")
            XCTAssertTrue(final[..<frameEnd].contains { $0.contains("100%") }, final.joined(separator: "\n"))
            XCTAssertTrue(final[frameEnd...].contains { $0.hasPrefix("pulled ") || $0.hasPrefix("  8 blobs") }, final.joined(separator: "\n"))
            for line in final where line.hasPrefix("pulled") || line.hasPrefix("  8 blobs") {
                XCTAssertLessThanOrEqual(line.count, 80, "the summary fits 80 columns: \(line)")
            }
            XCTAssertTrue(screen.cursorVisible, "the cursor is shown again")
        }
    }

    func testCtrlCLeavesTheLastFrameOnScreenSaysSoAndShowsTheCursor() throws {
        let screen = try pull(width: 80, models: cli.models.path)
        defer { screen.stop() }
        let moving = screen.waitFor(timeout: 30) { lines in
            lines.contains { $0.range(of: #"^pulling .* [1-9]\d?% "#, options: .regularExpression) != nil }
        }
        XCTAssertNotNil(moving, "no progress shown: \(screen.lines())")
        try screen.send("C-c")
        let ended = try XCTUnwrap(screen.waitFor(timeout: 30) { $0.contains { $0.hasPrefix("EXIT:") } }, "\(screen.lines())")
        XCTAssertEqual(screen.exitStatus, 130, ended.joined(separator: "\n"))
        let frame = try XCTUnwrap(ended.firstIndex { $0.hasPrefix("pulling ") }, ended.joined(separator: "\n"))
        let interrupted = try XCTUnwrap(ended.firstIndex { $0.hasPrefix("modelget: interrupted") || $0.hasPrefix("modelget: cancelled") },
                                        ended.joined(separator: "\n"))
        XCTAssertLessThan(frame, interrupted, "the frame stays above the error line")
        XCTAssertTrue(screen.cursorVisible, "the cursor is shown again")
    }
}
