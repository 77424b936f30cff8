import Foundation
import ModelGet
import Synchronization
import TestSupport
import XCTest

/// A chunked upload cut after its first `PATCH` (the proxy refuses the
/// second) and pushed again continues in the same session from the real
/// registry's `Range`, with bearer tokens, sending only the rest. A cut
/// mid-`PATCH` resumed in the same run is `PushAtTheSeamTests`'.
final class PushResumeTests: XCTestCase {
    private var fixture: PushFixture!

    override func setUpWithError() throws { fixture = try PushFixture() }
    override func tearDownWithError() throws { fixture.remove() }

    func testCutChunkedUploadResumesWithBearerTokens() async throws {
        let tokens = try TokenService(users: ["bob": "s3cret"])
        let environment = ["MODELGET_USERNAME": "bob", "MODELGET_PASSWORD": "s3cret"]
        let origin = try RegistryProcess()
        let model = try ModelSeeder.ollamaModel(layerSizes: [5_000_000], seed: 11, in: fixture.work.appendingPathComponent("seed"))
        try ModelSeeder.write(model, to: origin.storageRoot, repository: "library/big", tag: "v1")
        let originRef = try Reference(parsing: "\(origin.host)/library/big:v1")
        let store = fixture.store("models")
        _ = try await ModelPuller(store: store).pull(originRef, client: try fixture.client(origin.host))

        let target = try RegistryProcess(auth: .token(tokens))
        let proxy = try CountingProxy(upstream: target.host)
        let client = try fixture.client(proxy.host, environment: environment)
        let destination = try Reference(parsing: "\(proxy.host)/library/big:v1")
        let chunk: Int64 = 1 << 20
        let layer = model.layers[0]

        let patches = Mutex(0)
        proxy.refuse { request in
            guard request.method == "PATCH" else { return false }
            return patches.withLock { count in
                count += 1
                return count > 1
            }
        }
        let cutOptions = PushOptions(transfer: TransferOptions(concurrency: 1, retry: .never), monolithicLimit: chunk, chunkSize: chunk)
        do {
            _ = try await ModelPusher(store: store, options: cutOptions).push(originRef, to: destination, client: client)
            XCTFail("the cut push succeeded")
        } catch {
            XCTAssertTrue("\(error)".contains("503"), "\(error)")
        }
        let digest = try Digest(layer.digest)
        let saved = store.uploadSessionPath(host: proxy.host, repository: "library/big", digest: digest)
        XCTAssertTrue(FileManager.default.fileExists(atPath: saved), "the session is remembered")

        proxy.refuse { _ in false }
        let mark = proxy.requests.count
        let options = PushOptions(transfer: TransferOptions(concurrency: 1), monolithicLimit: chunk, chunkSize: chunk)
        let result = try await ModelPusher(store: store, options: options).push(originRef, to: destination, client: client)
        XCTAssertEqual(result.sent, 2)
        XCTAssertEqual(result.bytesTransferred, layer.size - chunk + model.config.size, "only the rest was sent")

        let rerun = Array(proxy.requests[mark...])
        XCTAssertTrue(rerun.contains { $0.method == "GET" && $0.path.contains("/blobs/uploads/") }, "the session was asked for its Range")
        let ranges = rerun.filter { $0.method == "PATCH" }.compactMap { $0.headers["Content-Range"] }
        XCTAssertEqual(ranges.first, "\(chunk)-\(2 * chunk - 1)", "continued after the first chunk, not from 0")
        let patched = rerun.filter { $0.method == "PATCH" }.reduce(0) { $0 + $1.body.count }
        XCTAssertEqual(Int64(patched), layer.size - chunk)
        XCTAssertEqual(rerun.filter { $0.method == "POST" }.count, 1, "one new session, for the config only")
        XCTAssertFalse(FileManager.default.fileExists(atPath: saved), "the finished session is forgotten")
        try await fixture.assertPullsBack(model, from: destination, environment: environment)
    }
}
