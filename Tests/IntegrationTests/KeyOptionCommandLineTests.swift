import Foundation
import ModelGet
import TestSupport
import XCTest

/// `--key FILE` as a user passes it to the built binary: a private pull
/// and a redirect-upload push through registry fronts that take only
/// ollama's signed token requests, and an encrypted or oversized key refused in one line.
final class KeyOptionCommandLineTests: XCTestCase {
    private var harness: CLIHarness!

    override func setUpWithError() throws { harness = try CLIHarness() }
    override func tearDown() { harness.cleanUp() }

    private func fixtureStore() -> ModelStore {
        ModelStore(root: harness.scratch.appendingPathComponent("back"))
    }

    func testPullAndPushWithKeyAndRefuseEncryptedOrOversizedOnes() async throws {
        let key = harness.scratch.appendingPathComponent("id_ed25519").path
        try SSHKeygen.ed25519(at: key)
        let origin = try OllamaRegistryFront()
        try origin.tokens.register(publicKeyFile: key + ".pub")
        let sizes = ModelSeeder.logUniformSizes(count: 5, min: 1, max: 1_000_000, seed: 5)
        let model = try ModelSeeder.ollamaModel(layerSizes: sizes, seed: 5, in: harness.scratch.appendingPathComponent("seed"))
        try ModelSeeder.write(model, to: origin.registry.storageRoot, repository: "alice/private", tag: "q4")
        // http:// spares the HTTPS probe, which a loopback front cannot answer.
        let source = "http://\(origin.host)/alice/private:q4"

        let locked = harness.scratch.appendingPathComponent("locked").path
        try SSHKeygen.ed25519(at: locked, passphrase: "pass")
        let refused = try harness.run(["pull", "--insecure", "--key", locked, source])
        XCTAssertEqual(refused.status, 1)
        XCTAssertEqual(refused.err.split(separator: "\n").count, 1, refused.err)
        XCTAssertTrue(refused.err.contains("key \(locked): encrypted with a passphrase"), refused.err)

        // A key file is at most 64 KiB: a 100 MB file or /dev/zero given by mistake is refused, not read.
        let huge = harness.scratch.appendingPathComponent("huge").path
        XCTAssertTrue(FileManager.default.createFile(atPath: huge, contents: nil))
        XCTAssertEqual(truncate(huge, 100_000_000), 0)
        for oversized in [huge, "/dev/zero"] {
            let run = try harness.run(["pull", "--insecure", "--key", oversized, source])
            XCTAssertEqual(run.status, 1)
            XCTAssertEqual(run.err.split(separator: "\n").count, 1, run.err)
            XCTAssertTrue(run.err.contains("key \(oversized): larger than 64 KiB"), run.err)
        }

        let pulled = try harness.run(["pull", "--insecure", "--key", key, source])
        XCTAssertEqual(pulled.status, 0, pulled.err)

        let target = try OllamaRegistryFront(redirectUploads: true)
        try target.tokens.register(publicKeyFile: key + ".pub")
        let pushed = try harness.run(["push", "--insecure", "--key", key, source, "http://\(target.host)/alice/copy:q4"])
        XCTAssertEqual(pushed.status, 0, pushed.err)
        XCTAssertEqual(target.storedParts.count, model.layers.count + 1, "one part per blob below 100 MB, each by redirect")
        XCTAssertTrue(target.commits.allSatisfy(\.matched))

        let back = fixtureStore()
        let client = try RegistryClient(host: target.host, scheme: "http", insecure: true,
                                        credentials: CredentialStore(environment: ["DOCKER_CONFIG": harness.scratch.path], key: key))
        let result = try await ModelPuller(store: back).pull(try Reference(parsing: "\(target.host)/alice/copy:q4"), client: client)
        XCTAssertEqual(result.manifestDigest, model.manifestDigest)
        for blob in [model.config] + model.layers {
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: back.blobPath(try Digest(blob.digest)))), try Data(contentsOf: blob.path))
        }
    }
}
