import Foundation
import ModelGet
import TestSupport
import XCTest

/// Pulls from a real docker-registry through `FaultProxy`, which cuts,
/// stalls, fails, corrupts, ignores `Range` and redirects to a fake CDN:
/// every pull that can finish does, with correct blobs; the others fail
/// with the right message and leave no wrong blob behind.
final class PullThroughFaultProxyTests: XCTestCase {
    private var work: URL!
    private var registry: RegistryProcess!
    private var model: GeneratedModel!
    /// The big layer (fetched as parts), a small one, and the config.
    private static let layerSizes: [Int64] = [6 << 20, 300_000]
    private static let plan = PartPlan(threshold: 2 << 20, partSize: 1 << 20, parallelParts: 4, checkpointInterval: 0.2)

    override func setUpWithError() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("fault-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        registry = try RegistryProcess()
        model = try ModelSeeder.ollamaModel(layerSizes: Self.layerSizes, seed: 9, in: work.appendingPathComponent("seed"))
        try ModelSeeder.write(model, to: registry.storageRoot, repository: "library/faulty", tag: "v1")
    }

    override func tearDownWithError() throws {
        registry.stop()
        registry = nil  // XCTest keeps the case alive: release the registry's directory now
        try? FileManager.default.removeItem(at: work)
    }

    private var store: ModelStore { ModelStore(root: work.appendingPathComponent("models")) }

    private func pull(through proxy: FaultProxy, window: TimeInterval = 20, environment: [String: String] = [:]) async throws -> PullResult {
        try await Self.pull(through: proxy, work: work, into: store, window: window, environment: environment)
    }

    private static func pull(through proxy: FaultProxy, work: URL, into store: ModelStore, window: TimeInterval = 20,
                             environment: [String: String] = [:]) async throws -> PullResult {
        let client = try RegistryClient(host: proxy.host, scheme: "http", insecure: true,
                                        credentials: CredentialStore(environment: environment.merging(["DOCKER_CONFIG": work.path + "/none"]) { $1 }),
                                        stallTimeout: 2)
        let options = PullOptions(transfer: TransferOptions(concurrency: 8, parts: Self.plan,
                                                            retry: RetryPolicy(window: window, baseDelay: 0.05, maximumDelay: 0.2)))
        return try await ModelPuller(store: store, options: options)
            .pull(try Reference(parsing: "\(proxy.host)/library/faulty:v1"), client: client)
    }

    /// Every blob file holds exactly the bytes of its digest, and nothing is left half-done.
    private func assertEveryBlobVerifies(file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(try model.storeProblems(inModelsDirectory: store.root.path), [], file: file, line: line)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: store.blobsDirectory).filter { $0.contains("partial") }
        XCTAssertEqual(leftovers, [], file: file, line: line)
    }

    /// No file named sha256-<hex> holds bytes that hash to anything else.
    private func assertNoWrongBlob(file: StaticString = #filePath, line: UInt = #line) throws {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: store.blobsDirectory)) ?? []
        for name in names where name.hasPrefix("sha256-") && !name.contains("partial") {
            let data = try Data(contentsOf: URL(fileURLWithPath: store.blobsDirectory + "/" + name))
            XCTAssertEqual("sha256-" + SHA256Hasher.hex(of: data), name, file: file, line: line)
        }
    }

    private var bigLayer: GeneratedModel.Blob { model.layers[0] }

    func testCleanPullFetchesTheBigBlobAsParallelRanges() async throws {
        let proxy = try FaultProxy(upstreamPort: registry.port)
        let result = try await pull(through: proxy)
        XCTAssertEqual(result.bytesTransferred, model.totalSize)
        try assertEveryBlobVerifies()
        let ranged = proxy.requests.filter { $0.path.hasSuffix(bigLayer.digest) && $0.headers["Range"] != nil }
        XCTAssertGreaterThanOrEqual(ranged.count, 6, "the 6 MiB layer is fetched as 1 MiB parts")
    }

    func testConnectionsCutMidBodyAreResumed() async throws {
        var faults = FaultProxy.Faults()
        faults.cutAfterBytes = 100_000
        faults.cutResponses = 4
        let proxy = try FaultProxy(upstreamPort: registry.port, faults: faults)
        _ = try await pull(through: proxy)
        try assertEveryBlobVerifies()
        XCTAssertLessThan(proxy.bytesSent, model.totalSize + 2 << 20, "cut parts resume from where they stopped")
    }

    func testAStalledTransferIsCutAndResumed() async throws {
        var faults = FaultProxy.Faults()
        faults.stallAfterBytes = 200_000
        // Silent for longer than the test may take: finishing proves the stall was detected.
        faults.stallSeconds = 3600
        faults.stallResponses = 1
        let proxy = try FaultProxy(upstreamPort: registry.port, faults: faults)
        defer { proxy.stop() }
        let finished = try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask { [work, store] in _ = try await Self.pull(through: proxy, work: work!, into: store); return true }
            group.addTask { try await Task.sleep(for: .seconds(300)); return false }
            defer { group.cancelAll() }
            return try await group.next() ?? false
        }
        XCTAssertTrue(finished, "the pull waited out the stall instead of cutting it after the 2 s stall timeout")
        try assertEveryBlobVerifies()
    }

    func testServerErrorsAndTooManyRequestsAreRetried() async throws {
        var faults = FaultProxy.Faults()
        faults.failStatuses = [503, 500, 429]
        faults.retryAfter = "1"
        let proxy = try FaultProxy(upstreamPort: registry.port, faults: faults)
        _ = try await pull(through: proxy)
        try assertEveryBlobVerifies()
    }

    func testAForbiddenBlobFailsAtOnceWithTheRegistryMessage() async throws {
        var faults = FaultProxy.Faults()
        faults.failStatuses = Array(repeating: 403, count: 50)
        let proxy = try FaultProxy(upstreamPort: registry.port, faults: faults)
        do {
            _ = try await pull(through: proxy)
            XCTFail("pull succeeded")
        } catch {
            XCTAssertTrue("\(error)".contains("HTTP 403 INJECTED: injected by the fault proxy"), "\(error)")
        }
        let blobGets = proxy.requests.filter { $0.path.contains("/blobs/") }.count
        XCTAssertLessThanOrEqual(blobGets, 3, "a 403 is not retried (one request per blob at most)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: store.manifestPath(try Reference(parsing: "\(proxy.host)/library/faulty:v1"))))
    }

    func testAFlippedByteIsDiscardedAndRefetched() async throws {
        var faults = FaultProxy.Faults()
        faults.flipByteAt = 1000
        faults.flipResponses = 1
        let proxy = try FaultProxy(upstreamPort: registry.port, faults: faults)
        _ = try await pull(through: proxy)
        try assertEveryBlobVerifies()
    }

    func testAByteFlippedOnEveryAttemptFailsNamingTheDigestAndNoWrongBlobIsKept() async throws {
        var faults = FaultProxy.Faults()
        faults.flipByteAt = 10
        let proxy = try FaultProxy(upstreamPort: registry.port, faults: faults)
        do {
            _ = try await pull(through: proxy)
            XCTFail("pull succeeded")
        } catch let error as ModelGetError {
            guard case let .digestMismatch(digest, actual) = error else { return XCTFail("\(error)") }
            XCTAssertTrue([model.config.digest, bigLayer.digest, model.layers[1].digest].contains(digest))
            XCTAssertNotEqual("sha256:" + actual, digest)
            XCTAssertTrue(error.description.contains(digest) && error.description.contains(actual), error.description)
        }
        try assertNoWrongBlob()
        XCTAssertFalse(FileManager.default.fileExists(atPath: store.manifestPath(try Reference(parsing: "\(proxy.host)/library/faulty:v1"))))
    }

    func testAServerThatIgnoresRangeStillWorksAsOneStream() async throws {
        var faults = FaultProxy.Faults()
        faults.ignoreRange = true
        let proxy = try FaultProxy(upstreamPort: registry.port, faults: faults)
        let result = try await pull(through: proxy)
        try assertEveryBlobVerifies()
        XCTAssertEqual(result.bytesTransferred, model.totalSize, "one whole stream, not a whole body per part")
    }

    func testRedirectedBlobsComeFromTheCDNWithoutAuthorizationAndSurviveExpiry() async throws {
        registry.stop()
        registry = try RegistryProcess(auth: .htpasswd(user: "alice", password: "secret"))
        try ModelSeeder.write(model, to: registry.storageRoot, repository: "library/faulty", tag: "v1")
        var faults = FaultProxy.Faults()
        faults.redirectBlobsToCDN = true
        faults.cdnForbiddenRequests = [3]
        faults.cdnUpstreamAuthorization = "Basic " + Data("alice:secret".utf8).base64EncodedString()
        let proxy = try FaultProxy(upstreamPort: registry.port, faults: faults)
        _ = try await pull(through: proxy, environment: ["MODELGET_USERNAME": "alice", "MODELGET_PASSWORD": "secret"])
        try assertEveryBlobVerifies()
        XCTAssertTrue(proxy.requests.contains { !$0.onCDN && $0.headers["Authorization"] != nil }, "the registry side is authenticated")
        let cdn = proxy.requests.filter(\.onCDN)
        XCTAssertGreaterThanOrEqual(cdn.count, 8)
        XCTAssertTrue(cdn.allSatisfy { $0.headers["Authorization"] == nil }, "the CDN never sees Authorization")
        let redirectsForBig = proxy.requests.filter { !$0.onCDN && $0.path.hasSuffix(bigLayer.digest) }.count
        XCTAssertGreaterThanOrEqual(redirectsForBig, 1)
        XCTAssertLessThan(redirectsForBig, 6, "parts go straight to the resolved CDN URL, not through the registry each time")
    }
}
