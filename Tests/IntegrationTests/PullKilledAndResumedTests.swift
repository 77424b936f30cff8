import Foundation
import ModelGet
import TestSupport
import XCTest

/// `modelget pull` (the built binary) stopped half-way through a throttled
/// download (SIGKILL, or Ctrl-C's SIGINT), then run again: the second run
/// continues from the part state the first left, and every blob verifies.
final class PullKilledAndResumedTests: XCTestCase {
    private var work: URL!

    override func setUpWithError() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("kill-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: work)
    }

    /// The CLI binary beside the test bundle.
    private func modelgetBinary() throws -> URL {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [bundle, bundle.deletingLastPathComponent()] {
            let binary = candidate.appendingPathComponent("modelget")
            if FileManager.default.isExecutableFile(atPath: binary.path) { return binary }
        }
        throw TestSupportError.invalidArgument("modelget binary not found beside \(bundle.path); run swift build first")
    }

    private func startPull(_ binary: URL, host: String, models: URL) throws -> Process {
        let process = Process()
        process.executableURL = binary
        process.arguments = ["pull", "\(host)/library/big:v1", "--insecure", "--models", models.path, "--stall-timeout", "5"]
        process.environment = ["HOME": work.path, "DOCKER_CONFIG": work.path + "/none", "PATH": "/usr/bin:/bin"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    func testAPullKilledHalfWayResumesWithoutStartingOver() throws {
        try interruptHalfWayAndResume(with: SIGKILL) { _ in }
    }

    func testCtrlCStopsCleanlyWithStatus130AndKeepsState() throws {
        try interruptHalfWayAndResume(with: SIGINT) { status in
            XCTAssertEqual(status, 130, "Ctrl-C exits 130")
        }
    }

    private func interruptHalfWayAndResume(with signal: Int32, checkStatus: (Int32) -> Void) throws {
        let binary = try modelgetBinary()
        let registry = try RegistryProcess()
        // One layer above the default part threshold (fetched as parts), one below it, and the config.
        let model = try ModelSeeder.ollamaModel(layerSizes: [80 << 20, 3 << 20], seed: 3, in: work.appendingPathComponent("seed"))
        try ModelSeeder.write(model, to: registry.storageRoot, repository: "library/big", tag: "v1")
        var faults = FaultProxy.Faults()
        faults.bytesPerSecond = 6 << 20
        let proxy = try FaultProxy(upstreamPort: registry.port, faults: faults)
        let models = work.appendingPathComponent("models")

        let first = try startPull(binary, host: proxy.host, models: models)
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
        let second = try startPull(binary, host: proxy.host, models: models)
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
