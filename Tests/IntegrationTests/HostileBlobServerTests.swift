import Foundation
import TestSupport
import XCTest

/// A blob server that never lets a blob finish (it ignores `Range` and
/// cuts every body, or sends 100 bytes and stalls) makes `pull` and
/// `sync` fail with one line after a bounded number of attempts and
/// bytes, instead of retrying forever.
final class HostileBlobServerTests: XCTestCase {
    private var registry: RegistryProcess!
    private var cli: CLIHarness!
    private var model: GeneratedModel!
    private static let layerSize: Int64 = 3 << 20

    override func setUpWithError() throws {
        registry = try RegistryProcess()
        cli = try CLIHarness()
        model = try CLIHarness.seed(registry, "lib/hostile", tag: "v1", sizes: [Self.layerSize], seed: 31, in: cli.scratch)
    }

    override func tearDownWithError() throws {
        registry.stop()
        registry = nil  // XCTest keeps the case alive: release the registry's directory now
        cli.cleanUp()
    }

    private var layer: GeneratedModel.Blob { model.layers[0] }

    /// Requests the proxy saw for the layer.
    private func layerRequests(_ proxy: FaultProxy) -> Int {
        proxy.requests.filter { $0.path.hasSuffix(layer.digest) }.count
    }

    /// Runs the CLI, killing it (and failing the test) if it is still
    /// running after `seconds`: generous, only there so a loop cannot hang the suite.
    private func runBounded(_ arguments: [String], seconds: TimeInterval = 240,
                            file: StaticString = #filePath, line: UInt = #line) throws -> (status: Int32, out: Data, err: String) {
        let (process, out, err) = try cli.start(arguments)
        let watchdog = DispatchWorkItem { if process.isRunning { process.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + seconds, execute: watchdog)
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        watchdog.cancel()
        XCTAssertEqual(process.terminationReason, .exit, "still retrying after \(Int(seconds)) s", file: file, line: line)
        return (process.terminationStatus, output, String(decoding: errors, as: UTF8.self))
    }

    private func assertOneLineFailure(_ run: (status: Int32, out: Data, err: String), file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(run.status, 1, run.err, file: file, line: line)
        let message = run.err.trimmingCharacters(in: .whitespacesAndNewlines)
        XCTAssertFalse(message.isEmpty, file: file, line: line)
        XCTAssertFalse(message.contains("\n"), "one line of error: \(message)", file: file, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: cli.blobPath(layer.digest)), "no blob kept", file: file, line: line)
    }

    /// A proxy that ignores Range and cuts every answer after 1 MiB, so
    /// each attempt starts the blob again at byte 0.
    private func proxyCuttingEveryBody() throws -> FaultProxy {
        var faults = FaultProxy.Faults()
        faults.ignoreRange = true
        faults.cutAfterBytes = 1 << 20
        faults.cutResponses = .max
        return try FaultProxy(upstreamPort: registry.port, faults: faults)
    }

    func testAServerThatIgnoresRangeAndCutsEveryBodyEndsThePullInsteadOfLooping() throws {
        let proxy = try proxyCuttingEveryBody()
        defer { proxy.stop() }
        // -q: the progress lines a log gets are left out, the error line stays.
        let run = try runBounded(["pull", "http://\(proxy.host)/lib/hostile:v1", "--insecure", "--retry-window", "5s", "-q"])
        assertOneLineFailure(run)
        // Each answer restarts the blob at byte 0: no attempt after the first brings it
        // closer, so the retry window runs out; the fetch budget (4 x its size) bounds the bytes.
        XCTAssertTrue(run.err.contains("unreachable since"), run.err)
        XCTAssertLessThanOrEqual(layerRequests(proxy), Int(4 * Self.layerSize / (1 << 20)) + 2, "bounded by the fetch budget")
        XCTAssertLessThanOrEqual(proxy.bytesSent, 4 * Self.layerSize + (2 << 20), "bounded bytes for one blob")
    }

    func testAServerThatSendsAHundredBytesAndStallsEndsThePull() throws {
        var faults = FaultProxy.Faults()
        faults.stallAfterBytes = 100
        faults.stallSeconds = 20
        faults.stallResponses = .max
        let proxy = try FaultProxy(upstreamPort: registry.port, faults: faults)
        defer { proxy.stop() }
        let run = try runBounded(["pull", "http://\(proxy.host)/lib/hostile:v1", "--insecure", "--stall-timeout", "1",
                                  "--retry-window", "4s", "-q"])
        assertOneLineFailure(run)
        XCTAssertTrue(run.err.contains("unreachable since") && run.err.contains("stalled"), run.err)
        // 100 new bytes an attempt is no progress toward a 3 MiB blob: the window is not started afresh.
        XCTAssertLessThanOrEqual(layerRequests(proxy), 8)
    }

    func testSyncThroughAServerThatCutsEveryBodyFinishesAndReportsTheModel() throws {
        let proxy = try proxyCuttingEveryBody()
        defer { proxy.stop() }
        let list = cli.scratch.appendingPathComponent("models.json")
        try Data("{\"models\": [{\"name\": \"http://\(proxy.host)/lib/hostile:v1\", \"insecure\": true}]}".utf8).write(to: list)
        let run = try runBounded(["sync", list.path, "--retry-window", "5s"])
        XCTAssertEqual(run.status, 1, run.err + run.out.text)
        XCTAssertTrue(run.out.text.contains("1 failed"), run.out.text)
        XCTAssertLessThanOrEqual(proxy.bytesSent, 4 * Self.layerSize + (2 << 20))
    }
}
