import Foundation
import ModelGet
import TestSupport
import XCTest

/// Hugging Face's way through ollama's protocol: `hf.co` answers every
/// `/v2/` request with a 307 to `huggingface.co`, which serves the API
/// (realm and key auth included); a blob GET there answers 307 to a
/// `__sign=` link, which answers 302 to the Xet CDN. Here a loopback
/// "hf.co" (127.0.0.1) sends the client to an `OllamaRegistryFront`
/// ("huggingface.co", 127.0.0.3, a real docker-registry behind it with key
/// auth), whose blobs end at a loopback CDN on 127.0.0.2. The two fronts
/// are made partners the way `RegistryFamily.ollama` pairs hf.co with
/// huggingface.co.
final class HostChangePullTests: XCTestCase {
    private var fixture: PushFixture!

    override func setUpWithError() throws { fixture = try PushFixture() }
    override func tearDownWithError() throws { fixture.remove() }

    private struct Setup {
        let model: GeneratedModel
        let api: OllamaRegistryFront
        let short: LoopbackHTTPServer
        let cdn: LoopbackHTTPServer
        let key: String
        let reference: Reference
    }

    /// The model as the registry serves it; the front lower-cases the
    /// repository on its way to docker-registry, so it is seeded lower-cased.
    private func makeSetup(repository: String = "bartowski/llama-3.2-1b-instruct-gguf", tag: String = "q4_k_m") throws -> Setup {
        let seed = try ModelSeeder.ollamaModel(layerSizes: [700_000, 3_000, 120], seed: 11, in: fixture.work.appendingPathComponent("seed"))
        var files: [String: URL] = [:]
        for blob in [seed.config] + seed.layers { files[blob.digest] = blob.path }
        let blobFiles = files
        let cdn = try LoopbackHTTPServer(address: "127.0.0.2") { request in
            guard request.path.hasPrefix("/xet/"), request.query("X-Xet-Signature") == ["cdn"],
                  let path = blobFiles[String(request.path.dropFirst(5))], let data = try? Data(contentsOf: path) else {
                return TestHTTPResponse(status: 404)
            }
            return TestHTTPResponse(status: 200, headers: ["Content-Type": "application/octet-stream"], body: data)
        }
        let api = try OllamaRegistryFront(address: "127.0.0.3", cdn: cdn.baseURL)
        try ModelSeeder.write(seed, to: api.registry.storageRoot, repository: repository.lowercased(), tag: tag)
        let key = fixture.work.appendingPathComponent("id_ed25519").path
        try SSHKeygen.ed25519(at: key)
        try api.tokens.register(publicKeyFile: key + ".pub")
        let apiBase = api.server.baseURL.absoluteString
        let short = try LoopbackHTTPServer(address: "127.0.0.1") { request in
            TestHTTPResponse(status: 307, headers: ["Location": apiBase + request.target])
        }
        return Setup(model: seed, api: api, short: short, cdn: cdn, key: key,
                     reference: try Reference(parsing: "127.0.0.1:\(short.port)/\(repository):\(tag)"))
    }

    private func client(_ setup: Setup, family: RegistryFamily) throws -> RegistryClient {
        try RegistryClient(host: "127.0.0.1:\(setup.short.port)", scheme: "http", insecure: true,
                           credentials: CredentialStore(environment: ["DOCKER_CONFIG": fixture.work.path + "/none", "HOME": fixture.work.path],
                                                        key: setup.key),
                           family: family)
    }

    func testPullThroughTheHostChangeAndTheCDNRedirects() async throws {
        let setup = try makeSetup()
        let store = fixture.store("models")
        try await assertPull(setup, into: store)
    }

    /// Hugging Face's names keep their case (`hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M`):
    /// stored as typed, and found again by `show` and `rm` in any case.
    func testPullOfAMixedCaseModelThroughTheHostChangeAndTheCDNRedirects() async throws {
        let setup = try makeSetup(repository: "bartowski/Llama-3.2-1B-Instruct-GGUF", tag: "Q4_K_M")
        let store = fixture.store("models")
        try await assertPull(setup, into: store)

        let host = "127.0.0.1:\(setup.short.port)"
        XCTAssertEqual(store.manifestPath(setup.reference), store.manifestsDirectory + "/\(host)/bartowski/Llama-3.2-1B-Instruct-GGUF/Q4_K_M")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: store.manifestsDirectory + "/\(host)/bartowski"), ["Llama-3.2-1B-Instruct-GGUF"])
        let report = try await store.verify(try store.catalog().models)
        XCTAssertTrue(report.isClean, "\(report.problems.map(\.summary)) \(report.unreadable.map(\.reason))")
        XCTAssertEqual(report.blobsChecked, 1 + setup.model.layers.count)

        let otherCase = try Reference(parsing: "\(host)/BARTOWSKI/llama-3.2-1b-instruct-gguf:q4_k_m")
        let info = try await store.info(otherCase)
        XCTAssertEqual(info.manifestDigest.description, setup.model.manifestDigest)
        XCTAssertEqual(info.name, setup.reference.displayName, "shown under the name it was stored as")
        let removed = try store.remove(otherCase)
        XCTAssertEqual(removed.removedBlobs.count, 1 + setup.model.layers.count)
        XCTAssertNil(store.existingManifestPath(setup.reference))
        XCTAssertFalse(FileManager.default.fileExists(atPath: store.manifestPath(setup.reference)))
    }

    /// Pulls `setup`'s model through the 307 to the partner host and the 302 to the CDN, and checks what arrived.
    private func assertPull(_ setup: Setup, into store: ModelStore) async throws {
        let family = RegistryFamily(partners: ["127.0.0.1:\(setup.short.port)": setup.api.host])
        let result = try await ModelPuller(store: store).pull(setup.reference, client: try client(setup, family: family))

        XCTAssertEqual(result.manifestDigest, setup.model.manifestDigest)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: store.manifestPath(setup.reference))), setup.model.manifest,
                       "stored under the name the user typed, byte for byte as served")
        for blob in [setup.model.config] + setup.model.layers {
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: store.blobPath(try Digest(blob.digest)))), try Data(contentsOf: blob.path))
        }
        XCTAssertEqual(setup.short.requests.count, 1, "after the first 307 the API is asked on its new host")
        XCTAssertGreaterThanOrEqual(setup.api.tokens.granted, 1, "the key signed for the new host's realm")
        XCTAssertEqual(setup.api.tokens.refusals, [])
        XCTAssertTrue(setup.api.server.requests.contains { $0.path.hasPrefix("/resolve/") && $0.query("__sign") == ["signed-by-front"] })
        XCTAssertGreaterThanOrEqual(setup.cdn.requests.count, 4)
        for request in setup.cdn.requests {
            XCTAssertNil(request.headers["Authorization"], "credentials reached the CDN: \(request.target)")
        }
    }

    func testARedirectToAHostThatIsNotThePartnerIsRefused() async throws {
        let setup = try makeSetup()
        let store = fixture.store("models")
        do {
            _ = try await ModelPuller(store: store).pull(setup.reference, client: try client(setup, family: RegistryFamily(partners: [:])))
            XCTFail("followed a registry to a host that is not its partner")
        } catch {
            let text = "\(error)"
            XCTAssertTrue(text.contains("redirected to \(setup.api.host)"), text)
            XCTAssertFalse(text.contains("\n"))
        }
        XCTAssertTrue(setup.api.server.requests.isEmpty, "nothing was sent to the other host")
        XCTAssertFalse(FileManager.default.fileExists(atPath: store.manifestPath(setup.reference)))
    }
}
