import Foundation
import TestSupport
import XCTest

/// A real docker-registry whose weights blob was overwritten on its disk
/// (same size, other bytes: every GET answers 200 with bytes that do not
/// hash to the digest), reached through `CountingProxy` by a name without
/// a scheme (so HTTPS is tried first). `blob -o FILE` and `copy` each fail
/// with the digest's one line at once, with the default two-minute retry
/// window (wrong bytes are no outage to wait out), asking for the blob
/// twice (the discarded bytes fetched once more), and keep nothing under
/// a name the bytes do not hash to: no FILE, no tag at the destination.
final class MismatchingBlobTests: XCTestCase {
    private var registry: RegistryProcess!
    private var proxy: CountingProxy!
    private var cli: CLIHarness!
    private var weights = ""

    override func setUpWithError() throws {
        registry = try RegistryProcess()
        proxy = try CountingProxy(upstream: registry.host)
        cli = try CLIHarness()
        let model = try CLIHarness.seed(registry, "lib/a", sizes: [1 << 20, 200], seed: 23, in: cli.scratch)
        weights = model.layers[0].digest
        try ModelSeeder.overwriteBlob(weights, in: registry.storageRoot, with: Data(repeating: 7, count: 1 << 20))
    }

    override func tearDownWithError() throws {
        cli.cleanUp()
        registry.stop()
    }

    func testBlobToAFileFailsAtOnceAndWritesNoFile() throws {
        let file = cli.scratch.appendingPathComponent("weights.gguf")
        let run = try timed(["blob", "\(proxy.host)/lib/a", "-o", file.path, "--insecure"])
        assertFailedOnTheDigest(run)
        XCTAssertFalse(FileManager.default.fileExists(atPath: file.path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: cli.blobPath(weights)))
        // Nothing to resume (the wrong bytes were thrown away), so nothing is left beside the file.
        let beside = try FileManager.default.contentsOfDirectory(atPath: cli.scratch.path)
        XCTAssertFalse(beside.contains(".modelget-partial"), "left beside the file: \(beside)")
    }

    func testCopyFailsAtOnceAndTheDestinationGetsNoTag() throws {
        let target = try RegistryProcess()
        defer { target.stop() }
        let run = try timed(["copy", "\(proxy.host)/lib/a", "\(target.host)/mirror/a", "--insecure"])
        assertFailedOnTheDigest(run)
        XCTAssertEqual(HTTPProbe.status(port: target.port, path: "/v2/mirror/a/tags/list"), 404,
                       "no tag at the destination naming a blob it lacks")
    }

    /// Runs a command line; returns its status, stderr and how long it took.
    private func timed(_ arguments: [String]) throws -> (status: Int32, err: String, seconds: TimeInterval) {
        let started = Date()
        let run = try cli.run(arguments)
        return (run.status, run.err, Date().timeIntervalSince(started))
    }

    private func assertFailedOnTheDigest(_ run: (status: Int32, err: String, seconds: TimeInterval),
                                         file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(run.status, 1, run.err, file: file, line: line)
        let lines = run.err.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, run.err, file: file, line: line)
        XCTAssertTrue(run.err.contains("digest mismatch for \(weights)"), run.err, file: file, line: line)
        // Well under a second here; a request that waited out the 30 s stall timeout, or a
        // mismatch retried over the window, exceeds it.
        XCTAssertLessThan(run.seconds, 15, run.err, file: file, line: line)
        XCTAssertEqual(proxy.requests.filter { $0.method == "GET" && $0.path.hasSuffix("/blobs/\(weights)") }.count, 2,
                       "fetched, discarded, fetched once more", file: file, line: line)
    }
}
