import Foundation
import ModelGet
import TestSupport
import XCTest

/// `modelget pull` (the built binary) stopped half-way through a throttled
/// download (SIGKILL, or Ctrl-C's SIGINT), then run again: the second run
/// continues from the part state the first left, and every blob verifies.
/// The throttle sets the pace, a loaded machine only slows it: these run
/// with the other tests.
final class PullKilledAndResumedTests: KilledPullTestCase {
    func testAPullKilledHalfWayResumesWithoutStartingOver() throws {
        try interruptHalfWayAndResume(with: SIGKILL) { _ in }
    }

    func testCtrlCStopsCleanlyWithStatus130AndKeepsState() throws {
        try interruptHalfWayAndResume(with: SIGINT) { status in
            XCTAssertEqual(status, 130, "Ctrl-C exits 130")
        }
    }

    private func interruptHalfWayAndResume(with signal: Int32, checkStatus: (Int32) -> Void) throws {
        let binary = BuiltModelget.url
        let registry = try RegistryProcess()
        // One layer above the default part threshold (fetched as parts), one below it, and the config.
        let model = try ModelSeeder.ollamaModel(layerSizes: [80 << 20, 3 << 20], seed: 3, in: work.appendingPathComponent("seed"))
        try ModelSeeder.write(model, to: registry.storageRoot, repository: "library/big", tag: "v1")
        var faults = FaultProxy.Faults()
        faults.bytesPerSecond = 6 << 20
        let proxy = try FaultProxy(upstreamPort: registry.port, faults: faults)
        let models = work.appendingPathComponent("models")

        let first = try startPull(binary, host: proxy.host, models: models, home: work)
        let deadline = Date().addingTimeInterval(60)
        while proxy.bytesSent < model.totalSize / 2 && first.isRunning && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.05)
        }
        XCTAssertTrue(first.isRunning, "the first pull was still running at half way")
        kill(first.processIdentifier, signal)
        first.waitUntilExit()
        checkStatus(first.terminationStatus)
        let firstRun = proxy.bytesSent
        let partials = try FileManager.default.contentsOfDirectory(atPath: models.path + "/.modelget/partial").filter { $0.hasSuffix(".json") }
        XCTAssertFalse(partials.isEmpty, "the interrupted pull left its part state")
        let inBlobs = try FileManager.default.contentsOfDirectory(atPath: models.path + "/blobs").filter { $0.contains("partial") }
        XCTAssertEqual(inBlobs, [], "nothing of modelget's in blobs/, where ollama prunes")
        let manifest = models.path + "/manifests/\(proxy.host)/library/big/v1"
        XCTAssertFalse(FileManager.default.fileExists(atPath: manifest), "no manifest before every blob is in place")

        proxy.setFaults(FaultProxy.Faults())
        let second = try startPull(binary, host: proxy.host, models: models, home: work)
        second.waitUntilExit()
        XCTAssertEqual(second.terminationStatus, 0)
        let secondRun = proxy.bytesSent - firstRun
        XCTAssertLessThan(secondRun, model.totalSize * 3 / 4, "the second run fetched \(secondRun) of \(model.totalSize) bytes")

        for blob in [model.config] + model.layers {
            let data = try Data(contentsOf: models.appendingPathComponent("blobs/sha256-" + blob.digest.dropFirst(7)))
            XCTAssertEqual("sha256:" + SHA256Hasher.hex(of: data), blob.digest)
        }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: models.path + "/.modelget/partial")
        XCTAssertEqual(leftovers, [])
    }
}

/// A `kill -9` of the built binary's pull at full loopback speed: how far
/// the writer ran ahead of its records follows the machine's speed, so this
/// runs alone (the Makefile's TESTS_ALONE).
final class PullKilledAtFullSpeedTests: KilledPullTestCase {
    /// A `kill -9` at full loopback speed, where a quarter second is many
    /// MiB: the part state is recorded every 0.25 s and every sixty-fourth
    /// of the blob, so of the bytes that had arrived (landed in the partial
    /// file) at most 5 % of the blob go unrecorded and are fetched again.
    func testKill9AtFullSpeedFetchesLittleTwice() throws {
        let binary = BuiltModelget.url
        let registry = try RegistryProcess()
        let size: Int64 = 256 << 20
        let model = try ModelSeeder.ollamaModel(layerSizes: [size], seed: 4, in: work.appendingPathComponent("seed"))
        try ModelSeeder.write(model, to: registry.storageRoot, repository: "library/big", tag: "v1")
        let models = work.appendingPathComponent("models")
        let layer = model.layers[0]
        let partialPath = models.path + "/.modelget/partial/sha256-" + layer.digest.dropFirst(7)
        // A relay in front only to see how far the pull got.
        var shaping = TCPRelay.Shaping()
        shaping.smallBuffers = true
        let relay = try TCPRelay(upstreamPort: registry.port, shaping: shaping)

        let first = try startPull(binary, host: "127.0.0.1:\(relay.port)", models: models, home: work)
        let started = Date()
        let deadline = started.addingTimeInterval(60)
        while relay.bytesToClients < size / 2 && first.isRunning && Date() < deadline {
            Thread.sleep(forTimeInterval: 0.005)
        }
        XCTAssertTrue(first.isRunning, "the first pull was still running at half way")
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()

        // What had arrived: every 64 KiB of the partial file that holds the blob's bytes.
        let partial = try Data(contentsOf: URL(fileURLWithPath: partialPath))
        let source = try Data(contentsOf: layer.path)
        let chunk = 64 << 10
        let arrived = stride(from: 0, to: source.count, by: chunk).reduce(Int64(0)) { total, offset in
            let end = min(offset + chunk, source.count)
            return partial[offset..<end] == source[offset..<end] ? total + Int64(end - offset) : total
        }
        // No part state at all: nothing was recorded.
        let state = (try? Data(contentsOf: URL(fileURLWithPath: partialPath + ".json")))
            .flatMap { try? JSONSerialization.jsonObject(with: $0) as? [String: Any] }
        let recorded = ((state?["completed"] as? [[Int64]]) ?? []).reduce(Int64(0)) { $0 + $1[1] - $1[0] }
        let rate = Double(arrived) / Date().timeIntervalSince(started)
        XCTAssertLessThan(arrived - recorded, size / 20,
                          "\(arrived - recorded) bytes arrived unrecorded; at \(Int(rate) >> 20) MiB/s a quarter second was \(Int(rate / 4) >> 20) MiB")

        let second = try startPull(binary, host: "127.0.0.1:\(relay.port)", models: models, home: work)
        second.waitUntilExit()
        XCTAssertEqual(second.terminationStatus, 0)
        let data = try Data(contentsOf: models.appendingPathComponent("blobs/sha256-" + layer.digest.dropFirst(7)))
        XCTAssertEqual("sha256:" + SHA256Hasher.hex(of: data), layer.digest)
    }
}

/// A working directory of its own for each test (the models directory,
/// HOME and the seeded model), removed afterwards.
class KilledPullTestCase: XCTestCase {
    private(set) var work: URL!

    override func setUpWithError() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("kill-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: work)
    }
}

/// Starts the built binary's `pull` of `host`'s `library/big:v1` into
/// `models`, with `home` as its HOME and no credentials.
private func startPull(_ binary: URL, host: String, models: URL, home: URL) throws -> Process {
    let process = Process()
    process.executableURL = binary
    process.arguments = ["pull", "\(host)/library/big:v1", "--insecure", "--models", models.path, "--stall-timeout", "5"]
    process.environment = ["HOME": home.path, "DOCKER_CONFIG": home.path + "/none", "PATH": "/usr/bin:/bin"]
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    return process
}
