import Foundation
import ModelGet
import TestSupport
import XCTest

/// Ollama's registry answers blob GETs with a redirect to a CDN host. No
/// real program plays that here, so a small loopback registry front on
/// 127.0.0.1 (basic auth, serves the manifest, redirects blobs) sends the
/// client to a loopback "CDN" on 127.0.0.2.
final class RedirectAuthorizationTests: XCTestCase {
    func testRedirectToAnotherHostCarriesNoAuthorization() async throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("redirect-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: work) }
        let model = try ModelSeeder.ollamaModel(layerSizes: [300_000, 2_000, 50], seed: 3, in: work.appendingPathComponent("seed"))
        let cdn = try LoopbackHTTPServer.serving(blobsOf: model, address: "127.0.0.2")
        let expected = "Basic " + Data("carol:pw".utf8).base64EncodedString()
        let cdnBase = cdn.baseURL
        let front = try LoopbackHTTPServer(address: "127.0.0.1") { request in
            guard request.headers["Authorization"] == expected else {
                return TestHTTPResponse(status: 401, headers: ["WWW-Authenticate": #"Basic realm="front""#])
            }
            if request.path.hasSuffix("/manifests/latest") {
                return TestHTTPResponse(status: 200, headers: ["Content-Type": "text/plain"], body: model.manifest)
            }
            if let range = request.path.range(of: "/blobs/") {
                let digest = request.path[range.upperBound...]
                return TestHTTPResponse(status: 307, headers: ["Location": cdnBase.absoluteString + "/cdn/" + digest + "?sig=abc"])
            }
            return TestHTTPResponse(status: 404)
        }

        let store = ModelStore(root: work.appendingPathComponent("models"))
        let client = try RegistryClient(host: "127.0.0.1:\(front.port)", scheme: "http", insecure: true,
                                        credentials: CredentialStore(environment: ["MODELGET_USERNAME": "carol", "MODELGET_PASSWORD": "pw",
                                                                                   "DOCKER_CONFIG": work.path]))
        let ref = try Reference(parsing: "127.0.0.1:\(front.port)/library/cdnmodel")
        let result = try await ModelPuller(store: store).pull(ref, client: client)

        XCTAssertEqual(result.bytesTransferred, model.totalSize)
        XCTAssertEqual(cdn.requests.count, 4, "every blob came from the CDN")
        for request in cdn.requests {
            XCTAssertNil(request.headers["Authorization"], "Authorization sent to the CDN: \(request.target)")
            XCTAssertEqual(request.query("sig"), ["abc"], "the signed query survives")
        }
        XCTAssertTrue(front.requests.contains { $0.headers["Authorization"] == expected }, "the registry itself got credentials")
        XCTAssertEqual(try model.storeProblems(inModelsDirectory: store.root.path), [])
    }
}
