import Foundation
import ModelGet
import TestSupport
import XCTest

/// What the "never hang" tests run a command against: a real
/// docker-registry holding one model, reached through a relay that paces
/// every connection (so a transfer is still running when the registry is
/// killed, restarted or frozen), and a models directory.
final class OutageBench {
    /// The model's one big layer: big enough to be cut mid-way at `pace`.
    static let layerSize: Int64 = 8 << 20
    /// Bytes per second each connection gets through the relay, both ways.
    static let pace: Int64 = 4 << 20
    /// The size of the image's one file (base64 of `layerSize` random bytes).
    static let noiseSize = Int64((layerSize + 2) / 3 * 4)
    /// The retry window the commands run with: short, so a test takes
    /// seconds (what is asserted, one line within the window + 30 s, what
    /// arrived kept, does not depend on its length).
    static let window = "2s"
    static let windowSeconds: TimeInterval = 2

    let registry: RegistryProcess
    let relay: TCPRelay
    let harness: CLIHarness
    let model: GeneratedModel
    /// A second registry, direct, for the commands that write to one (push's and copy's destination).
    private(set) lazy var destination: RegistryProcess? = try? RegistryProcess()

    /// The relay always paces (an unpaced loopback relay would let the
    /// registry hand the whole blob to socket buffers before any outage).
    /// `image`: the registry holds a container image (one gzip layer of
    /// about `layerSize`) instead of an Ollama model.
    init(image: Bool = false) throws {
        harness = try CLIHarness()
        registry = try RegistryProcess()
        if image {
            model = try Self.noiseImage(in: harness.scratch)
            try ModelSeeder.write(model, to: registry.storageRoot, repository: "library/outage", tag: "v1")
        } else {
            model = try CLIHarness.seed(registry, "library/outage", tag: "v1", sizes: [Self.layerSize, 3000], seed: 25, in: harness.scratch)
        }
        relay = try TCPRelay(upstreamPort: registry.port, shaping: TCPRelay.Shaping(bytesPerSecond: Self.pace, uploadBytesPerSecond: Self.pace))
    }

    deinit {
        relay.stop()
        registry.stop()
        destination?.stop()
        harness.cleanUp()
    }

    /// An image whose one layer is a tar of one file of printable noise
    /// (`noiseSize` bytes), gzipped to about `layerSize`.
    private static func noiseImage(in directory: URL) throws -> GeneratedModel {
        // Base64 of random bytes: gzip takes it back to about the random bytes' size.
        let random = try FileHandle(forReadingFrom: URL(fileURLWithPath: "/dev/urandom"))
        defer { try? random.close() }
        let noise = try random.read(upToCount: Int(layerSize))!.base64EncodedString()
        let tar = directory.appendingPathComponent("noise.tar")
        try TarBuilder.write([.file("noise", contents: noise)], to: tar)
        return try ImageSeeder.image([.compressing(tar, with: .gzip)], in: directory.appendingPathComponent("image"))
    }

    /// Asserts `registry` holds every blob of the model in `repository`.
    func assertRegistryHoldsTheModel(_ registry: RegistryProcess, _ repository: String,
                                     file: StaticString = #filePath, line: UInt = #line) {
        for blob in [model.config] + model.layers {
            XCTAssertEqual(HTTPProbe.status(port: registry.port, path: "/v2/\(repository)/blobs/\(blob.digest)", method: "HEAD"), 200,
                           blob.digest, file: file, line: line)
        }
    }

    /// The registry as commands reach it, through the relay.
    var host: String { "127.0.0.1:\(relay.port)" }
    var reference: String { "\(host)/library/outage:v1" }
    /// The registry's own port, past the relay: refused once it is killed.
    var directHost: String { registry.host }

    /// What a command's environment needs: no credentials, no ollama key.
    var environment: [String: String] {
        ["HOME": harness.scratch.path, "DOCKER_CONFIG": harness.scratch.path + "/none"]
    }

    /// Starts `modelget arguments… --models <models>`; its output goes to files.
    func start(_ arguments: [String]) throws -> RunningCommand {
        try RunningCommand(harness: harness, arguments: arguments, environment: environment)
    }

    /// Waits until the relay carried `bytes` towards clients (or, for
    /// uploads, from them); fails the test after `timeout`.
    func waitForTraffic(_ bytes: Int64 = 3 << 19, uploads: Bool = false, timeout: TimeInterval = 30,
                        file: StaticString = #filePath, line: UInt = #line) {
        let deadline = Date().addingTimeInterval(timeout)
        while (uploads ? relay.bytesFromClients : relay.bytesToClients) < bytes {
            guard Date() < deadline else { return XCTFail("only \(relay.bytesToClients) bytes moved in \(timeout) s", file: file, line: line) }
            Thread.sleep(forTimeInterval: 0.02)
        }
    }

    /// Every blob of the model is in the store, named by its bytes' digest.
    func assertStoreHoldsTheModel(file: StaticString = #filePath, line: UInt = #line) throws {
        harness.assertBlobsVerified(model, file: file, line: line)
    }

    /// Bytes kept in `.modelget/partial/` (what an interrupted download left).
    var partialBytes: Int64 {
        let directory = harness.models.path + "/.modelget/partial"
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { !$0.hasSuffix(".json") && !$0.hasPrefix(".") }.reduce(0) { total, name in
            var info = stat()
            // Allocated bytes, not the preallocated length.
            return stat(directory + "/" + name, &info) == 0 ? total + Int64(info.st_blocks) * 512 : total
        }
    }
}

/// A `modelget` process started by a test, its output in files.
final class RunningCommand {
    let process: Process
    let started = Date()
    private let outFile: URL
    private let errFile: URL

    init(harness: CLIHarness, arguments: [String], environment: [String: String]) throws {
        let name = UUID().uuidString
        outFile = harness.scratch.appendingPathComponent("out-\(name)")
        errFile = harness.scratch.appendingPathComponent("err-\(name)")
        FileManager.default.createFile(atPath: outFile.path, contents: nil)
        FileManager.default.createFile(atPath: errFile.path, contents: nil)
        process = Process()
        process.executableURL = CLIHarness.binary
        process.arguments = arguments + ["--models", harness.models.path]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = try FileHandle(forWritingTo: outFile)
        process.standardError = try FileHandle(forWritingTo: errFile)
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// How the command ended and how long it ran.
    struct Ending {
        let status: Int32
        let out: String
        let err: String
        let seconds: TimeInterval
    }

    /// Waits for the command to end; kills it and fails the test (status
    /// -1) when it runs past `timeout`: a command that does not end is the
    /// defect these tests look for.
    func wait(timeout: TimeInterval, file: StaticString = #filePath, line: UInt = #line) -> Ending {
        let deadline = started.addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        let seconds = Date().timeIntervalSince(started)
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            XCTFail("still running after \(Int(timeout)) s: it hangs", file: file, line: line)
            return Ending(status: -1, out: text(outFile), err: text(errFile), seconds: seconds)
        }
        return Ending(status: process.terminationStatus, out: text(outFile), err: text(errFile), seconds: seconds)
    }

    private func text(_ url: URL) -> String { (try? String(contentsOf: url, encoding: .utf8)) ?? "" }
}
