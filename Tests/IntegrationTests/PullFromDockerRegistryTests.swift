import Foundation
import ModelGet
import TestSupport
import XCTest

/// `modelget pull` against Debian's real docker-registry: no auth, htpasswd
/// basic auth, and bearer tokens from the test token service.
final class PullFromDockerRegistryTests: XCTestCase {
    private var work: URL!

    override func setUpWithError() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("pull-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: work)
    }

    /// A model of 40 layers from 1 byte to 3 MB plus config, seeded as library/many:v1.
    private func seedManyLayerModel(into registry: RegistryProcess) throws -> GeneratedModel {
        var sizes = ModelSeeder.logUniformSizes(count: 40, min: 1, max: 3_000_000, seed: 7)
        sizes[0] = 5_000_000
        let model = try ModelSeeder.ollamaModel(layerSizes: sizes, seed: 42, in: work.appendingPathComponent("seed"))
        try ModelSeeder.write(model, to: registry.storageRoot, repository: "library/many", tag: "v1")
        return model
    }

    private func client(_ registry: RegistryProcess, environment: [String: String] = [:]) throws -> RegistryClient {
        var env = environment
        env["DOCKER_CONFIG"] = work.appendingPathComponent("no-docker-config").path
        return try RegistryClient(host: registry.host, scheme: "http", insecure: true,
                                  credentials: CredentialStore(environment: env))
    }

    /// Every blob is in place under its digest with the right bytes, and the
    /// manifest is stored byte for byte at manifests/<host>/<ns>/<name>/<tag>.
    private func assertStoreHolds(_ model: GeneratedModel, store: ModelStore, reference: Reference,
                                  file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(try model.storeProblems(inModelsDirectory: store.root.path), [], file: file, line: line)
        let manifestPath = store.root.path + "/manifests/\(reference.host)/\(reference.repository)/\(reference.storeTag)"
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: manifestPath)), model.manifest, file: file, line: line)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: store.blobsDirectory).filter { !$0.hasPrefix("sha256-") || $0.hasSuffix("-partial") }
        XCTAssertEqual(leftovers, [], "no temporary files left behind", file: file, line: line)
    }

    func testPullWithoutAuthStoresEveryBlobAndTheManifest() async throws {
        let registry = try RegistryProcess()
        let model = try seedManyLayerModel(into: registry)
        let store = ModelStore(root: work.appendingPathComponent("models"))
        let ref = try Reference(parsing: "\(registry.host)/library/many:v1")

        let result = try await ModelPuller(store: store).pull(ref, client: try client(registry))
        XCTAssertEqual(result.blobs, 41)
        XCTAssertEqual(result.manifestDigest, model.manifestDigest)
        XCTAssertEqual(result.bytesTransferred, model.totalSize)
        try assertStoreHolds(model, store: store, reference: ref)

        let again = try await ModelPuller(store: store).pull(ref, client: try client(registry))
        XCTAssertEqual(again.blobsPresent, 41, "blobs already present are not fetched again")
        XCTAssertEqual(again.bytesTransferred, 0)
    }

    func testPullByDigestStoresUnderTheDigestTag() async throws {
        let registry = try RegistryProcess()
        let model = try seedManyLayerModel(into: registry)
        let store = ModelStore(root: work.appendingPathComponent("models"))
        let ref = try Reference(parsing: "\(registry.host)/library/many@\(model.manifestDigest)")
        _ = try await ModelPuller(store: store).pull(ref, client: try client(registry))
        try assertStoreHolds(model, store: store, reference: ref)
        XCTAssertTrue(store.manifestPath(ref).hasSuffix("/library/many/sha256-" + model.manifestDigest.dropFirst(7)))
    }

    func testPullWithHtpasswdBasicAuth() async throws {
        let registry = try RegistryProcess(auth: .htpasswd(user: "alice", password: "correct horse"))
        let model = try seedManyLayerModel(into: registry)
        let store = ModelStore(root: work.appendingPathComponent("models"))
        let ref = try Reference(parsing: "\(registry.host)/library/many:v1")
        let good = try client(registry, environment: ["MODELGET_USERNAME": "alice", "MODELGET_PASSWORD": "correct horse"])
        _ = try await ModelPuller(store: store).pull(ref, client: good)
        try assertStoreHolds(model, store: store, reference: ref)
    }

    func testWrongPasswordIsAClearErrorWithoutTheSecret() async throws {
        let registry = try RegistryProcess(auth: .htpasswd(user: "alice", password: "correct horse"))
        _ = try seedManyLayerModel(into: registry)
        let store = ModelStore(root: work.appendingPathComponent("models"))
        let ref = try Reference(parsing: "\(registry.host)/library/many:v1")
        let bad = try client(registry, environment: ["MODELGET_USERNAME": "alice", "MODELGET_PASSWORD": "hunter2-wrong"])
        do {
            _ = try await ModelPuller(store: store).pull(ref, client: bad)
            XCTFail("pull with a wrong password succeeded")
        } catch {
            let message = "\(error)"
            XCTAssertTrue(message.contains("authentication to \(registry.host) failed"), message)
            XCTAssertTrue(message.contains("alice"), message)
            XCTAssertFalse(message.contains("hunter2"), "the password never appears: \(message)")
            XCTAssertFalse(message.contains("\n"))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: store.manifestPath(ref)))

        let anonymous = try client(registry)
        do {
            _ = try await ModelPuller(store: store).pull(ref, client: anonymous)
            XCTFail("anonymous pull from an htpasswd registry succeeded")
        } catch {
            XCTAssertTrue("\(error)".contains("requires credentials"), "\(error)")
        }
    }

    func testPullWithBearerTokensCachedPerScope() async throws {
        let tokens = try TokenService(users: ["bob": "s3cret"])
        let registry = try RegistryProcess(auth: .token(tokens))
        let model = try seedManyLayerModel(into: registry)
        let store = ModelStore(root: work.appendingPathComponent("models"))
        let ref = try Reference(parsing: "\(registry.host)/library/many:v1")
        let good = try client(registry, environment: ["MODELGET_USERNAME": "bob", "MODELGET_PASSWORD": "s3cret"])
        _ = try await ModelPuller(store: store).pull(ref, client: good)
        try assertStoreHolds(model, store: store, reference: ref)
        // 41 blobs and a manifest under one scope: the token is fetched
        // once (concurrent first requests may race for it, never one each).
        XCTAssertGreaterThanOrEqual(tokens.tokenRequests, 1)
        XCTAssertLessThan(tokens.tokenRequests, 10, "tokens are cached per scope, not fetched per request")
        let scopes = tokens.server.requests.flatMap { $0.query("scope") }
        XCTAssertTrue(scopes.allSatisfy { $0 == "repository:library/many:pull" }, "\(scopes)")

        let bad = try client(registry, environment: ["MODELGET_USERNAME": "bob", "MODELGET_PASSWORD": "nope"])
        do {
            _ = try await ModelPuller(store: ModelStore(root: work.appendingPathComponent("other"))).pull(ref, client: bad)
            XCTFail("a refused token request still pulled")
        } catch {
            XCTAssertTrue("\(error)".contains("refused by the token service"), "\(error)")
            XCTAssertFalse("\(error)".contains("nope"))
        }
    }

    func testMissingTagIsAClearError() async throws {
        let registry = try RegistryProcess()
        _ = try seedManyLayerModel(into: registry)
        let store = ModelStore(root: work.appendingPathComponent("models"))
        for name in ["library/many:v2", "library/absent:latest"] {
            let ref = try Reference(parsing: "\(registry.host)/\(name)")
            do {
                _ = try await ModelPuller(store: store).pull(ref, client: try client(registry))
                XCTFail("\(name) pulled")
            } catch {
                XCTAssertEqual("\(error)", "\(registry.host)/\(ref.repository):\(ref.tag!): manifest not found (no such model or tag)")
            }
        }
    }

    func testPlainHTTPNeedsInsecure() throws {
        XCTAssertThrowsError(try RegistryClient(host: "127.0.0.1:5000", scheme: "http", insecure: false)) { error in
            XCTAssertEqual("\(error)", "127.0.0.1:5000 is plain HTTP; pass --insecure to allow it")
        }
    }
}
