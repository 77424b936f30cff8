import Foundation
import ModelGet
import TestSupport
import XCTest

/// The store while pulls run in other processes, are killed, or find a
/// download ollama left: prune never takes a blob a pull has not yet
/// named, modelget's leftovers stay out of `manifests/` and `blobs/`, and
/// ollama's partial files are taken over.
final class StoreSharedWithPullsTests: XCTestCase {
    private var cli: CLIHarness!

    override func setUpWithError() throws { cli = try CLIHarness() }
    override func tearDownWithError() throws { cli.cleanUp() }

    func testPruneInALoopBesideAManyBlobPullLosesNothing() throws {
        let registry = try RegistryProcess()
        let sizes = ModelSeeder.logUniformSizes(count: 300, min: 2_000, max: 30_000, seed: 11)
        let model = try CLIHarness.seed(registry, "library/many", sizes: sizes, seed: 11, in: cli.scratch)
        var faults = FaultProxy.Faults()
        faults.bytesPerSecond = 40_000
        let proxy = try FaultProxy(upstreamPort: registry.port, faults: faults)
        defer { proxy.stop() }

        let (pull, out, err) = try cli.start(["pull", "\(proxy.host)/library/many", "--insecure", "--concurrency", "8"])
        var prunes = 0
        while pull.isRunning && prunes < 2_000 {
            let run = try cli.run(["prune", "--partial-age", "0"])
            XCTAssertEqual(run.status, 0, run.err)
            prunes += 1
        }
        let errors = err.fileHandleForReading.readDataToEndOfFile().text
        _ = out.fileHandleForReading.readDataToEndOfFile()
        pull.waitUntilExit()
        XCTAssertEqual(pull.terminationStatus, 0, errors)
        XCTAssertGreaterThan(prunes, 1, "prune ran while the pull did")
        let verify = try cli.run(["verify"])
        XCTAssertEqual(verify.status, 0, verify.out.text)
        XCTAssertTrue(OllamaStoreWriter(models: cli.models).holdsEveryBlob(of: model))
    }

    func testKillDashNineAtAnyPointLeavesNothingOfModelgetsWhereOllamaLooks() throws {
        let registry = try RegistryProcess()
        let model = try CLIHarness.seed(registry, "library/big", sizes: [12 << 20, 300_000, 2_000, 50], seed: 12, in: cli.scratch)
        var faults = FaultProxy.Faults()
        faults.bytesPerSecond = 3 << 20
        let proxy = try FaultProxy(upstreamPort: registry.port, faults: faults)
        defer { proxy.stop() }
        let arguments = ["pull", "\(proxy.host)/library/big", "--insecure", "--part-threshold", "1"]

        for delay in [0.05, 0.3, 0.8, 1.5, 2.5] {
            let (pull, _, _) = try cli.start(arguments)
            Thread.sleep(forTimeInterval: delay)
            kill(pull.processIdentifier, SIGKILL)
            pull.waitUntilExit()
            try assertOnlyOllamasNamesWhereOllamaLooks(after: delay)
        }
        proxy.setFaults(FaultProxy.Faults())
        XCTAssertEqual(try cli.run(arguments).status, 0)
        try assertOnlyOllamasNamesWhereOllamaLooks(after: nil)
        XCTAssertTrue(OllamaStoreWriter(models: cli.models).holdsEveryBlob(of: model))
        let partials = (try? FileManager.default.contentsOfDirectory(atPath: cli.models.path + "/.modelget/partial")) ?? []
        XCTAssertEqual(partials, [], "a finished pull leaves no part state")
    }

    /// `manifests/` holds only complete manifests at depth 4; `blobs/`
    /// only `sha256-<hex>` files whose bytes hash to their name.
    private func assertOnlyOllamasNamesWhereOllamaLooks(after delay: TimeInterval?, line: UInt = #line) throws {
        let manifests = cli.models.path + "/manifests"
        for path in (try? FileManager.default.subpathsOfDirectory(atPath: manifests)) ?? [] where RegularFileCheck.isFile(manifests + "/" + path) {
            XCTAssertEqual(path.split(separator: "/").count, 4, "\(path) after \(String(describing: delay))", line: line)
            XCTAssertFalse(path.split(separator: "/").last!.hasPrefix("."), "\(path) after \(String(describing: delay))", line: line)
        }
        for name in (try? FileManager.default.contentsOfDirectory(atPath: cli.models.path + "/blobs")) ?? [] {
            XCTAssertTrue(name.hasPrefix("sha256-") && name.count == 71, "\(name) after \(String(describing: delay))", line: line)
            let data = try Data(contentsOf: cli.models.appendingPathComponent("blobs/" + name))
            XCTAssertEqual("sha256-" + SHA256Hasher.hex(of: data), name, line: line)
        }
    }

    func testAnOllamaPartialDownloadIsTakenOverNotThrownAway() async throws {
        let registry = try RegistryProcess()
        let layerSize: Int64 = 6 << 20
        let model = try CLIHarness.seed(registry, "library/resume", sizes: [layerSize], seed: 13, in: cli.scratch)
        let weights = try Data(contentsOf: model.layers[0].path)
        // ollama's layout: the data file at full size, two parts, 3 MiB and 1 MiB of them done.
        let writer = OllamaStoreWriter(models: cli.models)
        let partial = "blobs/" + model.layers[0].digest.replacingOccurrences(of: "sha256:", with: "sha256-") + "-partial"
        var data = Data(count: Int(layerSize))
        data.replaceSubrange(0..<(4 << 20), with: weights[0..<(4 << 20)])
        try writer.write(data, at: partial)
        try writer.write(Data("{\"N\":0,\"Offset\":0,\"Size\":3145728,\"Completed\":3145728}".utf8), at: partial + "-0")
        try writer.write(Data("{\"N\":1,\"Offset\":3145728,\"Size\":3145728,\"Completed\":1048576}".utf8), at: partial + "-1")
        let old = Date().addingTimeInterval(-600)
        for suffix in ["", "-0", "-1"] {
            try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: cli.models.path + "/" + partial + suffix)
        }

        let store = ModelStore(root: cli.models)
        let client = try RegistryClient(host: registry.host, scheme: "http", insecure: true,
                                        credentials: CredentialStore(environment: ["DOCKER_CONFIG": cli.scratch.path + "/none"]))
        let result = try await ModelPuller(store: store).pull(try Reference(parsing: "\(registry.host)/library/resume"), client: client)
        XCTAssertLessThanOrEqual(result.bytesTransferred, layerSize - (4 << 20) + model.config.size, "the 4 MiB ollama recorded were kept")
        XCTAssertTrue(writer.holdsEveryBlob(of: model))
        let left = try FileManager.default.contentsOfDirectory(atPath: cli.models.path + "/blobs").filter { $0.contains("partial") }
        XCTAssertEqual(left, [], "ollama's partial files were taken over")
    }

    func testRecordedBytesThatAreWrongAreFetchedAgain() async throws {
        let registry = try RegistryProcess()
        let layerSize: Int64 = 3 << 20
        let model = try CLIHarness.seed(registry, "library/liar", sizes: [layerSize], seed: 14, in: cli.scratch)
        let writer = OllamaStoreWriter(models: cli.models)
        let partial = "blobs/" + model.layers[0].digest.replacingOccurrences(of: "sha256:", with: "sha256-") + "-partial"
        try writer.write(Data(repeating: 0x5A, count: Int(layerSize)), at: partial)
        try writer.write(Data("{\"N\":0,\"Offset\":0,\"Size\":3145728,\"Completed\":2097152}".utf8), at: partial + "-0")
        let old = Date().addingTimeInterval(-600)
        for suffix in ["", "-0"] {
            try FileManager.default.setAttributes([.modificationDate: old], ofItemAtPath: cli.models.path + "/" + partial + suffix)
        }
        XCTAssertEqual(try cli.run(["pull", "\(registry.host)/library/liar", "--insecure"]).status, 0)
        XCTAssertTrue(writer.holdsEveryBlob(of: model), "bytes are re-hashed, never trusted")
    }

    func testANestedRepositoryIsStoredOnlyUnderAnotherName() throws {
        let registry = try RegistryProcess()
        let model = try CLIHarness.seed(registry, "org/team/model", sizes: [1000], seed: 15, in: cli.scratch)
        var run = try cli.run(["pull", "\(registry.host)/org/team/model", "--insecure"])
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.err.contains("--as") && !run.err.contains("\n\n"), run.err)
        let blobs = (try? FileManager.default.contentsOfDirectory(atPath: cli.models.path + "/blobs")) ?? []
        XCTAssertEqual(blobs, [], "nothing fetched for a name that cannot be stored")
        run = try cli.run(["pull", "\(registry.host)/org/team/model", "--insecure", "--as", "\(registry.host)/team/model:v1"])
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertTrue(try cli.run(["list"]).out.text.contains("\(registry.host)/team/model:v1"))
        XCTAssertTrue(OllamaStoreWriter(models: cli.models).holdsEveryBlob(of: model))
    }
}

/// File-type checks for the assertions above.
private enum RegularFileCheck {
    static func isFile(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG
    }
}
