import Foundation
import ModelGet
import TestSupport
import XCTest

/// A push the way registry.ollama.ai takes it (ollama's server/upload.go):
/// every `PATCH` offers `X-Redirect-Uploads: 1`, the front in front of a
/// real docker-registry answers 307 to a presigned storage URL, the part
/// goes there by `PUT` without credentials, and the commit carries the
/// etag of the part MD5s. The model is then pulled back byte for byte.
/// That a plain registry declines the offer by taking the bytes is
/// `PushAtTheSeamTests`'.
final class RedirectUploadPushTests: XCTestCase {
    private var fixture: PushFixture!

    override func setUpWithError() throws { fixture = try PushFixture() }
    override func tearDownWithError() throws { fixture.remove() }

    private struct Setup {
        let model: GeneratedModel
        let store: ModelStore
        let source: Reference
        let front: OllamaRegistryFront
        let credentials: CredentialStore
        let client: RegistryClient
    }

    /// A model of `blobs` layers pulled into the store from a real registry,
    /// and a key-auth front (on another real registry) to push it to.
    private func makeSetup(blobs: Int) async throws -> Setup {
        let origin = try RegistryProcess()
        let model = try fixture.seedModel(into: origin, count: blobs)
        let store = fixture.store("models")
        let source = try Reference(parsing: "\(origin.host)/library/many:v1")
        _ = try await ModelPuller(store: store).pull(source, client: try fixture.client(origin.host))

        let front = try OllamaRegistryFront(redirectUploads: true)
        let key = fixture.work.appendingPathComponent("id_ed25519").path
        try SSHKeygen.ed25519(at: key)
        try front.tokens.register(publicKeyFile: key + ".pub")
        let credentials = CredentialStore(environment: ["DOCKER_CONFIG": fixture.work.path + "/none", "HOME": fixture.work.path], key: key)
        let client = try RegistryClient(host: front.host, scheme: "http", insecure: true, credentials: credentials)
        return Setup(model: model, store: store, source: source, front: front, credentials: credentials, client: client)
    }

    func testPushByRedirectUploadsPullsBackIdentical() async throws {
        let setup = try await makeSetup(blobs: 12)
        let (model, store, source, front, credentials, client) =
            (setup.model, setup.store, setup.source, setup.front, setup.credentials, setup.client)
        var options = PushOptions(transfer: TransferOptions(concurrency: 4))
        let partSize: Int64 = 256 << 10
        options.redirectPartSizes = partSize...partSize
        let destination = try Reference(parsing: "\(front.host)/alice/many:v1")
        let result = try await ModelPusher(store: store, options: options).push(source, to: destination, client: client)
        XCTAssertEqual(result.manifestDigest, model.manifestDigest)

        let blobs = [model.config] + model.layers
        let expectedParts = blobs.reduce(0) { $0 + Int(($1.size + partSize - 1) / partSize) }
        XCTAssertEqual(front.storedParts.count, expectedParts, "every part went to storage")
        XCTAssertTrue(front.storedParts.allSatisfy { !$0.authorized }, "no Authorization on a presigned storage URL")
        XCTAssertEqual(front.commits.count, blobs.count)
        XCTAssertTrue(front.commits.allSatisfy(\.matched), "etags: \(front.commits)")
        let patches = front.server.requests.filter { $0.method == "PATCH" }
        XCTAssertEqual(patches.count, expectedParts)
        for patch in patches {
            XCTAssertEqual(patch.headers["X-Redirect-Uploads"], "1")
            XCTAssertNotNil(patch.headers["Content-Range"].flatMap { $0.range(of: #"^\d+-\d+$"#, options: .regularExpression) })
        }
        XCTAssertFalse(front.server.requests.contains { $0.method == "PUT" && $0.path.contains("/blobs/uploads/") && !$0.body.isEmpty },
                       "no blob bytes went to the registry in a monolithic PUT")

        let pulled = fixture.store("pulled")
        let back = try await ModelPuller(store: pulled).pull(destination, client: try RegistryClient(
            host: front.host, scheme: "http", insecure: true, credentials: credentials))
        XCTAssertEqual(back.manifestDigest, model.manifestDigest)
        for blob in blobs {
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: pulled.blobPath(try Digest(blob.digest)))), try Data(contentsOf: blob.path))
        }
    }
}
