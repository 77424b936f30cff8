import Foundation
@testable import ModelGet
import TestSupport
import XCTest

/// ollama's key auth against a real docker-registry whose tokens come from
/// an `OllamaTokenService` on the registry's own front: the service checks
/// the Ed25519 signature over the exact string ollama signs (with
/// libcrypto directly), so a pull only works when modelget signs as ollama
/// does; keys come from the real `ssh-keygen`.
final class OllamaKeyAuthTests: XCTestCase {
    private var fixture: PushFixture!
    private var front: OllamaRegistryFront!
    private var registered: String!

    override func setUpWithError() throws {
        fixture = try PushFixture()
        front = try OllamaRegistryFront()
        registered = try makeKey("id_ed25519")
        try front.tokens.register(publicKeyFile: registered + ".pub")
    }

    override func tearDownWithError() throws {
        front = nil
        fixture.remove()
    }

    private func makeKey(_ name: String, passphrase: String = "") throws -> String {
        let path = fixture.work.appendingPathComponent(name).path
        try SSHKeygen.ed25519(at: path, passphrase: passphrase)
        return path
    }

    private func client(key: String?, home: URL? = nil, family: RegistryFamily = .ollama) throws -> RegistryClient {
        let environment = ["DOCKER_CONFIG": fixture.work.appendingPathComponent("none").path,
                           "HOME": (home ?? fixture.work.appendingPathComponent("home")).path]
        return try RegistryClient(host: front.host, scheme: "http", insecure: true,
                                  credentials: CredentialStore(environment: environment, key: key), family: family)
    }

    private func seed() throws -> (GeneratedModel, Reference) {
        let model = try fixture.seedModel(into: front.registry, repository: "alice/private", tag: "q4", count: 6)
        return (model, try Reference(parsing: "\(front.host)/alice/private:q4"))
    }

    private var tokenRequests: [TestHTTPRequest] { front.server.requests.filter { $0.path == "/token" } }

    func testPullWithARegisteredKey() async throws {
        let (model, reference) = try seed()
        let store = fixture.store("models")
        let result = try await ModelPuller(store: store).pull(reference, client: try client(key: registered))
        XCTAssertEqual(result.manifestDigest, model.manifestDigest)
        for blob in [model.config] + model.layers {
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: store.blobPath(try Digest(blob.digest)))),
                           try Data(contentsOf: blob.path))
        }
        XCTAssertEqual(front.tokens.refusals, [])
        XCTAssertGreaterThanOrEqual(front.tokens.granted, 1)
        let publicKey = try String(contentsOfFile: registered + ".pub", encoding: .utf8).split(separator: " ")[1]
        for request in tokenRequests {
            XCTAssertTrue(request.headers["Authorization"]?.hasPrefix(publicKey + ":") ?? false, "no scheme word, the SSH public key first")
        }
    }

    func testUnregisteredKeyFailsInOneLineSayingWhereToAddIt() async throws {
        let (_, reference) = try seed()
        let stranger = try makeKey("stranger")
        let store = fixture.store("models")
        do {
            _ = try await ModelPuller(store: store).pull(reference, client: try client(key: stranger))
            XCTFail("pulled with a key the service does not know")
        } catch {
            XCTAssertEqual("\(error)", "the key is not registered with \(front.host): add \(stranger).pub at \(front.host)'s account settings")
        }
        XCTAssertEqual(front.tokens.refusals, ["unknown key"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: store.manifestPath(reference)))
    }

    func testTheServiceRefusesAReplayAStaleTimestampAndAForgedSignature() async throws {
        let (_, reference) = try seed()
        _ = try await ModelPuller(store: fixture.store("models")).pull(reference, client: try client(key: registered))
        let granted = try XCTUnwrap(tokenRequests.last)
        let engine = CurlEngine()
        func get(_ target: String, _ authorization: String) async throws -> Int {
            let url = URL(string: front.server.baseURL.absoluteString + target)!
            return try await engine.send(HTTPRequest(url: url, headers: ["Authorization": authorization])).status
        }
        let refusedBefore = front.tokens.refusals.count
        // The same signed request again: its nonce was used.
        let status1 = try await get(granted.target, granted.headers["Authorization"]!)
        XCTAssertEqual(status1, 401)
        // Signed ten minutes ago by the right key.
        let key = try OllamaKey(path: registered)
        let realm = front.server.baseURL.absoluteString + "/token"
        let stale = try KeySignedTokenRequest.make(realm: realm, service: "modelget-test-registry", scopes: ["repository:alice/private:pull"],
                                                   key: key, now: Date().addingTimeInterval(-600))
        let status2 = try await get(String(stale.url.dropFirst(front.server.baseURL.absoluteString.count)), stale.authorization)
        XCTAssertEqual(status2, 401)
        // The registered public key with another key's signature.
        let forged = try KeySignedTokenRequest.make(realm: realm, service: "modelget-test-registry", scopes: ["repository:alice/private:pull"],
                                                    key: try OllamaKey(path: try makeKey("forger")))
        let claimed = key.publicKeyBase64 + ":" + forged.authorization.split(separator: ":")[1]
        let status3 = try await get(String(forged.url.dropFirst(front.server.baseURL.absoluteString.count)), claimed)
        XCTAssertEqual(status3, 401)
        // And a fresh, honest one still works.
        let fresh = try KeySignedTokenRequest.make(realm: realm, service: "modelget-test-registry", scopes: ["repository:alice/private:pull"], key: key)
        let status4 = try await get(String(fresh.url.dropFirst(front.server.baseURL.absoluteString.count)), fresh.authorization)
        XCTAssertEqual(status4, 200)
        XCTAssertEqual(Array(front.tokens.refusals.dropFirst(refusedBefore)), ["nonce reused", "stale ts", "bad signature"])
    }

    func testAnEncryptedKeyIsRefusedBeforeAnythingIsSigned() async throws {
        let (_, reference) = try seed()
        let locked = try makeKey("locked", passphrase: "pass")
        do {
            _ = try await ModelPuller(store: fixture.store("models")).pull(reference, client: try client(key: locked))
            XCTFail("pulled with an encrypted key")
        } catch {
            XCTAssertTrue("\(error)".hasPrefix("key \(locked): encrypted with a passphrase"), "\(error)")
        }
        XCTAssertEqual(tokenRequests.count, 0)
    }

    func testARealmOnAnotherHostGetsNoSignature() async throws {
        let elsewhere = try TokenService()
        let registry = try RegistryProcess(auth: .token(elsewhere))
        _ = try fixture.seedModel(into: registry, repository: "alice/private", tag: "q4", count: 3)
        let client = try RegistryClient(host: registry.host, scheme: "http", insecure: true,
                                        credentials: CredentialStore(environment: ["DOCKER_CONFIG": fixture.work.path + "/none"], key: registered))
        let reference = try Reference(parsing: "\(registry.host)/alice/private:q4")
        do {
            _ = try await ModelPuller(store: fixture.store("models")).pull(reference, client: client)
            XCTFail("signed for a realm on another port")
        } catch {
            XCTAssertEqual("\(error)", "refusing token exchange with \(elsewhere.realm.absoluteString): the realm is on "
                + "\(elsewhere.server.address):\(elsewhere.server.port), not on \(registry.host); refusing to sign a token request for another host")
        }
        XCTAssertEqual(elsewhere.tokenRequests, 0)
    }

    func testOllamasOwnKeyOnlyForItsRegistryFamily() async throws {
        let (model, reference) = try seed()
        let home = fixture.work.appendingPathComponent("home")
        try FileManager.default.createDirectory(at: home.appendingPathComponent(".ollama"), withIntermediateDirectories: true)
        for suffix in ["", ".pub"] {
            try FileManager.default.copyItem(atPath: registered + suffix, toPath: home.path + "/.ollama/id_ed25519" + suffix)
        }
        // Not a member of the family: ~/.ollama/id_ed25519 is not offered.
        do {
            _ = try await ModelPuller(store: fixture.store("outside")).pull(reference, client: try client(key: nil, home: home))
            XCTFail("pulled without a key")
        } catch {
            XCTAssertTrue("\(error)".hasPrefix("authentication to \(front.host) failed"), "\(error)")
        }
        XCTAssertEqual(front.tokens.refusals, ["no Authorization"])
        // A member (here the front plays one): the default key signs.
        let member = RegistryFamily(partners: [front.host: "partner.invalid"])
        let result = try await ModelPuller(store: fixture.store("inside")).pull(reference, client: try client(key: nil, home: home, family: member))
        XCTAssertEqual(result.manifestDigest, model.manifestDigest)
    }
}
