import Foundation
import ModelGet
import TestSupport
import XCTest

/// The small blobs of a model pulled from a registry shaped like ollama's
/// (token auth, blob GETs sent by 307 to an HTTPS HTTP/2 CDN) across a path
/// with latency where each connection is capped, as one TCP flow over a
/// long path is: they must spread over several connections to the CDN,
/// reused, with TLS sessions resumed, and one token for the one scope.
final class SmallBlobsOverAFarPathTests: XCTestCase {
    private var work: URL!

    override func setUpWithError() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("far-pull-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: work)
    }

    func testSmallBlobsOfOnePullReachACappedCDNOverSeveralReusedConnections() async throws {
        let storage = work.appendingPathComponent("storage")
        let sizes = ModelSeeder.logUniformSizes(count: 32, min: 128 << 10, max: 1 << 20, seed: 24)
        let model = try ModelSeeder.ollamaModel(layerSizes: sizes, seed: 24, in: work.appendingPathComponent("seed"))
        try ModelSeeder.write(model, to: storage, repository: "library/shape", tag: "v1")
        let far = try FarRegistry(storage: storage, path: DelayRelay.Path(oneWayDelay: 0.005, connectionRate: 2 << 20), workers: 1)
        defer { far.stop() }

        let store = ModelStore(root: work.appendingPathComponent("models"))
        let client = try RegistryClient(host: far.host, scheme: "https", insecure: true,
                                        credentials: CredentialStore(environment: ["DOCKER_CONFIG": work.path + "/none"]))
        let options = PullOptions(transfer: TransferOptions(concurrency: 8))
        _ = try await ModelPuller(store: store, options: options)
            .pull(try Reference(parsing: "\(far.host)/library/shape:v1"), client: client)
        XCTAssertEqual(try model.storeProblems(inModelsDirectory: store.root.path), [])

        let cdn = far.cdn.counts
        let requests = far.cdnLog.count
        // Multiplexed on one HTTP/2 connection, the 33 blobs would share one capped flow.
        XCTAssertGreaterThanOrEqual(cdn.connections, 4, "blobs spread over several CDN connections")
        XCTAssertLessThanOrEqual(cdn.connections, 9, "at most one connection per request in flight, plus one")
        XCTAssertEqual(requests, model.layers.count + 1, "every blob came from the CDN")
        XCTAssertLessThan(cdn.connections, requests, "connections were reused")
        XCTAssertEqual(cdn.tlsHandshakes, cdn.connections)
        XCTAssertGreaterThanOrEqual(cdn.resumptionOffers, cdn.tlsHandshakes - 1, "every connection after the first offered to resume")
        let resumed = Set(far.cdnLog.filter { $0.split(separator: " ")[1] == "r" }.map { $0.split(separator: " ")[0] })
        XCTAssertGreaterThanOrEqual(resumed.count, cdn.connections - 2, "nginx resumed those sessions: \(far.cdnLog)")
        XCTAssertEqual(far.tokens.tokenRequests, 1, "one token request for the one scope")
    }
}
