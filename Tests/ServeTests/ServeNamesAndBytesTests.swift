import Foundation
import ModelGet
import TestSupport
import XCTest

/// serve offers a model pulled from a registry with a port under a name
/// every client can spell (`HOST_PORT/…`), lists only such names in
/// `_catalog`, and counts the bytes it wrote even for a body cut short.
final class ServeNamesAndBytesTests: XCTestCase {
    private var work: URL!

    override func setUpWithError() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("serve-names-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: work) }

    private func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(
            ["HOME": work.path, "TMPDIR": work.path, "REGISTRY_AUTH_FILE": work.path + "/auth.json", "DOCKER_CONFIG": work.path]) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile(), errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self), String(decoding: errors, as: UTF8.self))
    }

    func testAModelFromAHostWithAPortIsServedUnderANameClientsCanPull() throws {
        let registry = try RegistryProcess()
        defer { registry.stop() }
        let model = try ModelSeeder.ollamaModel(layerSizes: [40_000, 300], seed: 81, in: work.appendingPathComponent("gen"))
        try ModelSeeder.write(model, to: registry.storageRoot, repository: "team/tiny", tag: "v1")
        let store = work.appendingPathComponent("store")
        let binary = ServeProcess.binary.path
        var result = try run(binary, ["pull", "\(registry.host)/team/tiny:v1", "--insecure", "--models", store.path, "-q"])
        XCTAssertEqual(result.status, 0, result.err)
        // A mixed-case name too, as ollama keeps hf.co/User/Repo.
        result = try run(binary, ["cp", "\(registry.host)/team/tiny:v1", "hf.co/User/Repo:Q4", "--models", store.path])
        XCTAssertEqual(result.status, 0, result.err)

        let serve = try ServeProcess(models: store)
        defer { serve.stop() }
        let served = "127.0.0.1_\(registry.port)/team/tiny"
        let catalog = try Curl.get(serve.baseURL + "/v2/_catalog")
        XCTAssertEqual((try JSONSerialization.jsonObject(with: catalog.body) as? [String: Any])?["repositories"] as? [String],
                       [served, "hf.co/user/repo"].sorted(), "no ':' and no capitals: names docker, podman and skopeo accept")

        result = try run("/usr/bin/skopeo", ["inspect", "--tls-verify=false", "--raw", "docker://\(serve.host)/\(served):v1"])
        XCTAssertEqual(result.status, 0, result.err)
        XCTAssertEqual(Data(result.out.utf8), model.manifest)
        result = try run("/usr/bin/skopeo", ["list-tags", "--tls-verify=false", "docker://\(serve.host)/hf.co/user/repo"])
        XCTAssertEqual(result.status, 0, result.err)
        XCTAssertTrue(result.out.contains("\"Q4\""), result.out)

        let again = work.appendingPathComponent("again")
        result = try run(binary, ["pull", "\(serve.host)/\(served):v1", "--insecure", "--models", again.path, "--as", "\(serve.host)/team/tiny:v1", "-q"])
        XCTAssertEqual(result.status, 0, result.err)
        result = try run(binary, ["verify", "--models", again.path])
        XCTAssertEqual(result.status, 0, result.out + result.err)
    }

    func testBytesServedCountsWhatWasWrittenWhenAClientHangsUp() throws {
        let registry = try RegistryProcess()
        defer { registry.stop() }
        // Bigger than what loopback socket buffers can take while the client reads slowly.
        let size = 48 << 20
        let model = try ModelSeeder.ollamaModel(layerSizes: [Int64(size)], seed: 82, in: work.appendingPathComponent("gen"))
        try ModelSeeder.write(model, to: registry.storageRoot, repository: "team/big", tag: "v1")
        let store = work.appendingPathComponent("store")
        XCTAssertEqual(try run(ServeProcess.binary.path, ["pull", "\(registry.host)/team/big:v1", "--insecure", "--models", store.path, "-q"]).status, 0)
        let serve = try ServeProcess(models: store)
        defer { serve.stop() }
        let blob = "\(serve.baseURL)/v2/127.0.0.1_\(registry.port)/team/big/blobs/\(model.layers[0].digest)"

        func servedBytes() throws -> Int64 {
            let text = try Curl.get(serve.baseURL + "/metrics").text
            let line = text.split(separator: "\n").first { $0.hasPrefix("modelget_serve_bytes_served_total ") }
            return line.flatMap { Int64($0.split(separator: " ").last ?? "") } ?? 0
        }
        // Whole bodies through sendfile (a range below 4 MiB) and through the
        // copied path (the whole blob, loopback), then one cut after about 3 MiB.
        _ = try Curl.get(blob, ["-r", "0-2999999"])
        XCTAssertTrue(serve.logContains(" 206 3000000 "))
        let before = try servedBytes()
        XCTAssertGreaterThanOrEqual(before, 3_000_000)
        _ = try Curl.get(blob, ["--limit-rate", "1M", "--max-time", "3"])
        var after = before
        for _ in 0..<100 where after == before {
            Thread.sleep(forTimeInterval: 0.1)
            after = try servedBytes()
        }
        XCTAssertGreaterThan(after - before, 1 << 20, "a body cut short counts the bytes written, not 0")
        XCTAssertLessThan(after - before, Int64(size) / 2, "and not the whole blob")
    }
}
