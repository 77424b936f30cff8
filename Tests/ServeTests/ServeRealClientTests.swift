import Foundation
import ModelGet
import TestSupport
import XCTest

/// Clients nobody here wrote, against serve on loopback: skopeo (inspect,
/// copy to dir:), oras-py, and modelget's own pull and copy.
final class ServeRealClientTests: ServingTestCase {
    @discardableResult
    private func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "\(executable) \(arguments): \(String(decoding: errors, as: UTF8.self))")
        return String(decoding: output, as: UTF8.self)
    }

    /// skopeo keeps no state between runs here: its own temporary directory.
    private var skopeoEnvironment: [String: String] {
        ["HOME": fixture.work.path, "TMPDIR": fixture.work.path, "REGISTRY_AUTH_FILE": fixture.work.appendingPathComponent("auth.json").path]
    }

    /// skopeo parses a Docker v2 manifest's layer types and refuses
    /// ollama's (`application/vnd.ollama.image.model`), as it does from
    /// registry.ollama.ai itself; so the raw manifest of the ollama model,
    /// and the whole OCI model.
    func testSkopeoInspectAndCopyToDir() throws {
        let ollama = try run("/usr/bin/skopeo", ["inspect", "--tls-verify=false", "--raw", "docker://\(serve.host)/library/tiny:latest"],
                             environment: skopeoEnvironment)
        XCTAssertEqual(Data(ollama.utf8), fixture.tiny.manifest)

        let reference = "docker://\(serve.host)/library/oci:1"
        let inspected = try run("/usr/bin/skopeo", ["inspect", "--tls-verify=false", "--raw", reference], environment: skopeoEnvironment)
        XCTAssertEqual(Data(inspected.utf8), fixture.oci.manifest)
        let config = try run("/usr/bin/skopeo", ["inspect", "--tls-verify=false", "--config", "--raw", reference], environment: skopeoEnvironment)
        XCTAssertEqual(Data(config.utf8), try Data(contentsOf: fixture.oci.config.path))

        let destination = fixture.work.appendingPathComponent("skopeo-dir")
        try run("/usr/bin/skopeo", ["copy", "--src-tls-verify=false", reference, "dir:\(destination.path)"], environment: skopeoEnvironment)
        for blob in [fixture.oci.config] + fixture.oci.layers {
            XCTAssertEqual(try ServeFixture.sha256(of: destination.appendingPathComponent(blob.hexDigest)), blob.digest)
        }
        XCTAssertEqual(try Data(contentsOf: destination.appendingPathComponent("manifest.json")), fixture.oci.manifest)
    }

    func testOrasPyPull() throws {
        let outdir = fixture.work.appendingPathComponent("oras")
        let script = """
        import sys, oras.client
        client = oras.client.OrasClient(hostname=sys.argv[1], insecure=True)
        for path in client.pull(target=sys.argv[1] + "/library/oci:1", outdir=sys.argv[2]):
            print(path)
        """
        let printed = try run("/usr/bin/env", ["python3", "-c", script, serve.host, outdir.path])
        XCTAssertEqual(printed.split(separator: "\n").count, fixture.oci.layers.count, printed)
        for blob in fixture.oci.layers {
            XCTAssertEqual(try ServeFixture.sha256(of: outdir.appendingPathComponent(blob.digest)), blob.digest)
        }
    }

    func testModelgetPullAndCopyFromServe() throws {
        let models = fixture.work.appendingPathComponent("pulled")
        try run(ServeProcess.binary.path, ["pull", "--insecure", "--models", models.path, "\(serve.host)/library/tiny:latest"])
        let store = ModelStore(root: models)
        let stored = try store.model(try Reference(parsing: "\(serve.host)/library/tiny:latest"))
        XCTAssertEqual(stored.manifestDigest.description, fixture.tiny.manifestDigest)
        for blob in [fixture.tiny.config] + fixture.tiny.layers {
            XCTAssertEqual(try ServeFixture.sha256(of: URL(fileURLWithPath: store.blobPath(try Digest(blob.digest)))), blob.digest)
        }

        let registry = try RegistryProcess()
        try run(ServeProcess.binary.path, ["copy", "--insecure", "\(serve.host)/team/mixedcase:q4", "\(registry.host)/team/copied:q4"])
        let copied = try Curl.get("http://\(registry.host)/v2/team/copied/manifests/q4",
                                  ["-H", "Accept: application/vnd.docker.distribution.manifest.v2+json"])
        XCTAssertEqual(copied.status, 200)
        XCTAssertEqual(copied.body, fixture.mixed.manifest)
    }
}
