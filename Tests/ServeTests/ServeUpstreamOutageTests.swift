import Foundation
import ModelGet
import TestSupport
import XCTest

/// `serve --upstream` when the upstream registry goes away while a client
/// waits for a blob: a real docker-registry behind a relay that paces
/// each connection, killed and restarted, killed for good, frozen, or not
/// running at all; each with and without `--limit-rate`. A cut fetch
/// continues from the bytes serve already has; giving up fails the client
/// and keeps nothing unverified.
final class ServeUpstreamOutageTests: XCTestCase {
    private var fixture: ServeFixture!
    private var registry: RegistryProcess!
    private var relay: TCPRelay!
    private var layer: GeneratedModel.Blob!

    override func setUpWithError() throws {
        fixture = try ServeFixture()
        registry = try RegistryProcess()
        let model = try ModelSeeder.ollamaModel(layerSizes: [12 << 20, 1_000], seed: 78, in: fixture.work.appendingPathComponent("upstream"))
        try ModelSeeder.write(model, to: registry.storageRoot, repository: "library/outage", tag: "v1")
        layer = model.layers[0]
        relay = try TCPRelay(upstreamPort: registry.port, shaping: TCPRelay.Shaping(bytesPerSecond: 4 << 20))
    }

    override func tearDownWithError() throws {
        relay?.stop()
        registry?.stop()
        registry = nil
        fixture?.cleanUp()
    }

    private func startServe(upstream: String, window: String, limitRate: String?) throws -> ServeProcess {
        try fixture.start(["--upstream", "http://\(upstream)", "--retry-window", window, "--stall-timeout", "1"]
            + (limitRate.map { ["--limit-rate", $0] } ?? []))
    }

    /// A curl download of the layer through serve, running.
    private func startClient(_ serve: ServeProcess) throws -> (Process, URL) {
        let file = fixture.work.appendingPathComponent("client-\(UUID().uuidString)")
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        curl.arguments = ["-sS", "-f", "--max-time", "120", "-o", file.path, "\(serve.baseURL)/v2/library/outage/blobs/\(layer.digest)"]
        curl.standardError = FileHandle.nullDevice
        try curl.run()
        return (curl, file)
    }

    private func waitForTraffic(_ bytes: Int64 = 2 << 20) {
        let deadline = Date().addingTimeInterval(30)
        while relay.bytesToClients < bytes && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        XCTAssertGreaterThanOrEqual(relay.bytesToClients, bytes, "the fetch was under way")
    }

    private var stored: URL { fixture.models.appendingPathComponent("blobs/" + layer.digest.replacingOccurrences(of: ":", with: "-")) }

    private var leftovers: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: fixture.models.appendingPathComponent(".modelget/tmp").path)) ?? [])
            .filter { $0.hasPrefix("sha256-") }
    }

    private func restartedInsideTheWindow(limitRate: String?) throws {
        let serve = try startServe(upstream: relay.host, window: "20s", limitRate: limitRate)
        defer { serve.stop() }
        let (client, file) = try startClient(serve)
        waitForTraffic()
        registry.crash()
        Thread.sleep(forTimeInterval: 1)
        try registry.restart()
        client.waitUntilExit()
        XCTAssertEqual(client.terminationStatus, 0, "the client got the whole blob")
        XCTAssertEqual(try ServeFixture.sha256(of: file), layer.digest)
        XCTAssertEqual(try ServeFixture.sha256(of: stored), layer.digest, "and serve kept it, verified")
    }

    /// `freeze`: SIGSTOP instead of SIGKILL.
    private func goneForGood(freeze: Bool, limitRate: String?) throws {
        let serve = try startServe(upstream: relay.host, window: "2s", limitRate: limitRate)
        defer { serve.stop() }
        let (client, file) = try startClient(serve)
        waitForTraffic()
        freeze ? registry.freeze() : registry.crash()
        let outage = Date()
        client.waitUntilExit()
        XCTAssertNotEqual(client.terminationStatus, 0, "the client of a fetch that gave up gets an error")
        XCTAssertLessThan(Date().timeIntervalSince(outage), 2 + 1 + 30, "within the window (+ the stall timeout) + 30 s")
        XCTAssertNotEqual(try? ServeFixture.sha256(of: file), layer.digest)
        XCTAssertFalse(FileManager.default.fileExists(atPath: stored.path), "nothing unverified is kept")
        XCTAssertEqual(leftovers, [])
        XCTAssertTrue(serve.isRunning, "serve itself goes on")
        if freeze { registry.thaw() } else { try registry.restart() }
        relay.reshape(TCPRelay.Shaping())  // nothing is cut during the fetch that completes: no pace needed
        let (again, againFile) = try startClient(serve)
        again.waitUntilExit()
        XCTAssertEqual(again.terminationStatus, 0, "the next request fetches it")
        XCTAssertEqual(try ServeFixture.sha256(of: againFile), layer.digest)
    }

    private func refusedFromTheStart(limitRate: String?) throws {
        registry.crash()
        let serve = try startServe(upstream: registry.host, window: "2m", limitRate: limitRate)
        defer { serve.stop() }
        let started = Date()
        let answer = try Curl.get("\(serve.baseURL)/v2/library/outage/blobs/\(layer.digest)")
        XCTAssertEqual(answer.status, 502, answer.text)
        XCTAssertLessThan(Date().timeIntervalSince(started), 10, "an upstream that never answered fails fast")
        XCTAssertTrue(answer.text.contains("nothing has answered at \(registry.host)"), answer.text)
    }

    func testRestartedInsideTheWindow() throws { try restartedInsideTheWindow(limitRate: nil) }
    func testRestartedInsideTheWindowWithLimitRate() throws { try restartedInsideTheWindow(limitRate: "3M") }
    func testKilledForGood() throws { try goneForGood(freeze: false, limitRate: nil) }
    func testKilledForGoodWithLimitRate() throws { try goneForGood(freeze: false, limitRate: "3M") }
    func testFrozen() throws { try goneForGood(freeze: true, limitRate: nil) }
    func testFrozenWithLimitRate() throws { try goneForGood(freeze: true, limitRate: "3M") }
    func testRefusedFromTheStart() throws { try refusedFromTheStart(limitRate: nil) }
    func testRefusedFromTheStartWithLimitRate() throws { try refusedFromTheStart(limitRate: "3M") }
}
