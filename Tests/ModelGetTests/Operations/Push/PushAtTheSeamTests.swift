import Foundation
@testable import ModelGet
import TestSupport
import XCTest

/// Push's rules, driven through the `HTTPClient` seam by `PushRegistry`:
/// each test sees exactly the requests `ModelPusher` made, in order. A
/// model is pulled from the registry's `library/src` (or from another
/// registry) into a store first, as a user would, then pushed.
final class PushAtTheSeamTests: XCTestCase {
    private var work: URL!
    private var model: GeneratedModel!
    /// Bigger than `monolithicLimit` (sent in 512 KiB `PATCH`es), then a small layer, then the config.
    private static let layerSizes: [Int64] = [1_300_000, 200_000]
    private static let chunk: Int64 = 512 << 10
    private static let fastRetry = RetryPolicy(window: 20, baseDelay: 0.001, maximumDelay: 0.01)

    override func setUpWithError() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("push-seam-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        model = try ModelSeeder.ollamaModel(layerSizes: Self.layerSizes, seed: 31, in: work.appendingPathComponent("seed"))
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: work)
    }

    private var store: ModelStore { ModelStore(root: work.appendingPathComponent("models")) }
    private var big: GeneratedModel.Blob { model.layers[0] }
    private var blobs: [GeneratedModel.Blob] { [model.config] + model.layers }

    /// A registry holding the model as `library/src:v1`.
    private func registry(host: String = "registry.test", refusesMounts: Bool = false) throws -> PushRegistry {
        let registry = PushRegistry(host: host, refusesMounts: refusesMounts)
        var data: [String: Data] = [:]
        for blob in blobs { data[blob.digest] = try Data(contentsOf: blob.path) }
        registry.seed("library/src", tag: "v1", manifest: model.manifest, type: model.mediaType, blobs: data)
        return registry
    }

    /// Pulls `library/src:v1` from `registry` into the store; returns its reference.
    private func pullSource(from registry: PushRegistry, environment: [String: String] = [:]) async throws -> Reference {
        let reference = try Reference(parsing: "\(registry.host)/library/src:v1")
        _ = try await ModelPuller(store: store).pull(reference, client: try registry.client(home: work, environment: environment))
        return reference
    }

    /// The model pulled into the store from another registry (`source.test`), and an empty registry to push it to.
    private func pulledFromAnotherRegistry() async throws -> (Reference, PushRegistry) {
        (try await pullSource(from: try registry(host: "source.test")), PushRegistry())
    }

    private func push(_ source: Reference, to destination: String, on registry: PushRegistry, environment: [String: String] = [:],
                      retry: RetryPolicy = fastRetry) async throws -> PushResult {
        let options = PushOptions(transfer: TransferOptions(concurrency: 1, retry: retry), monolithicLimit: Self.chunk, chunkSize: Self.chunk)
        return try await ModelPusher(store: store, options: options)
            .push(source, to: try Reference(parsing: "\(registry.host)/\(destination):v1"),
                  client: try registry.client(home: work, environment: environment, retry: retry))
    }

    /// The registry holds every blob of the model in `repository` and the manifest byte for byte.
    private func assertHoldsTheModel(_ registry: PushRegistry, in repository: String, file: StaticString = #filePath, line: UInt = #line) throws {
        for blob in blobs {
            XCTAssertEqual(registry.blob(blob.digest, in: repository), try Data(contentsOf: blob.path), blob.digest, file: file, line: line)
        }
        XCTAssertEqual(registry.manifest("v1", in: repository)?.data, model.manifest, file: file, line: line)
        XCTAssertEqual(registry.manifest("v1", in: repository)?.type, model.mediaType, file: file, line: line)
    }

    /// The requests of `registry` from `mark` on, as "METHOD kind [Content-Range]" lines.
    private func requestLines(_ registry: PushRegistry, from mark: Int = 0) -> [String] { registry.requests[mark...].map(\.line) }

    /// The requests that put `blob` into a repository that lacks it, on a fresh session.
    private func upload(_ blob: GeneratedModel.Blob, opening: String = "POST start") -> [String] {
        guard blob.size >= Self.chunk else { return ["HEAD blobHead", opening, "PUT finish"] }
        let patches = stride(from: Int64(0), to: blob.size, by: Int(Self.chunk)).map { "PATCH patch \($0)-\(min($0 + Self.chunk, blob.size) - 1)" }
        return ["HEAD blobHead", opening] + patches + ["PUT finish"]
    }

    /// Blobs in the order a push with one upload at a time places them: biggest first.
    private var pushOrder: [GeneratedModel.Blob] { blobs.sorted { $0.size > $1.size } }

    /// The first request to a bearer registry is refused, answered with one token, and asked again.
    private static let authenticate = ["GET tags", "GET token", "GET tags"]

    func testAPushSendsEachMissingBlobOnceAndTheManifestLastAndAgainOnlyAsks() async throws {
        let (reference, target) = try await pulledFromAnotherRegistry()

        let first = try await push(reference, to: "team/tiny", on: target)
        XCTAssertEqual(first.manifestDigest, model.manifestDigest)
        XCTAssertEqual([first.sent, first.skipped, first.mounted], [3, 0, 0])
        XCTAssertEqual(first.sentBytes, model.totalSize)
        XCTAssertEqual(requestLines(target), Self.authenticate + pushOrder.flatMap { upload($0) } + ["PUT manifestPut"])
        let heads = target.requests.filter { $0.kind == .blobHead }.map(\.url.lastPathComponent)
        XCTAssertEqual(heads, pushOrder.map(\.digest), "biggest first")
        let blobBytes = target.requests.filter { $0.kind == .patch || $0.kind == .finish }.reduce(0) { $0 + $1.bodyBytes }
        XCTAssertEqual(Int64(blobBytes), model.totalSize, "every blob byte went up once")
        let patches = target.requests.filter { $0.kind == .patch }
        XCTAssertTrue(patches.allSatisfy { $0.headers["X-Redirect-Uploads"] == "1" },
                      "each PATCH offers ollama's redirect uploads; a plain registry declines by taking the bytes")
        XCTAssertEqual(target.tokenScopes, [["repository:team/tiny:pull,push", "repository:team/tiny:pull"]],
                       "one token for the whole push")
        XCTAssertTrue(target.requests.dropFirst(2).allSatisfy { $0.kind == .token || $0.authorization == "Bearer token-1" })
        try assertHoldsTheModel(target, in: "team/tiny")

        // Again: every blob is there, so HEADs and the manifest only.
        let mark = target.requests.count
        let again = try await push(reference, to: "team/tiny", on: target)
        XCTAssertEqual([again.sent, again.skipped, again.mounted], [0, 3, 0])
        XCTAssertEqual(again.bytesTransferred, 0)
        XCTAssertEqual(requestLines(target, from: mark), Self.authenticate + pushOrder.map { _ in "HEAD blobHead" } + ["PUT manifestPut"])
    }

    func testAPushToAnotherRepositoryMountsEveryBlobWithPullOnTheSourceInTheSameToken() async throws {
        let registry = try registry()
        let reference = try await pullSource(from: registry)
        XCTAssertEqual(registry.tokenScopes, [["repository:library/src:pull"]], "the pull's own token")
        let mark = registry.requests.count

        let result = try await push(reference, to: "team/copy", on: registry)
        XCTAssertEqual([result.sent, result.skipped, result.mounted], [0, 0, 3])
        XCTAssertEqual(result.mountedBytes, model.totalSize)
        XCTAssertEqual(requestLines(registry, from: mark), Self.authenticate + pushOrder.flatMap { _ in ["HEAD blobHead", "POST mount"] } + ["PUT manifestPut"])
        let mounts = registry.requests[mark...].filter { $0.kind == .mount }
        XCTAssertEqual(mounts.compactMap { $0.query("mount") }, pushOrder.map(\.digest))
        XCTAssertTrue(mounts.allSatisfy { $0.query("from") == "library/src" })
        XCTAssertEqual(registry.tokenScopes.dropFirst(),
                       [["repository:team/copy:pull,push", "repository:library/src:pull", "repository:team/copy:pull"]],
                       "push on the destination and pull on the source, in one token")
        try assertHoldsTheModel(registry, in: "team/copy")
    }

    func testConcurrentUploadsShareTheTokenFetchedBeforeThem() async throws {
        let (reference, target) = try await pulledFromAnotherRegistry()
        let options = PushOptions(transfer: TransferOptions(concurrency: 4, retry: Self.fastRetry), monolithicLimit: Self.chunk, chunkSize: Self.chunk)

        let result = try await ModelPusher(store: store, options: options)
            .push(reference, to: try Reference(parsing: "\(target.host)/team/tiny:v1"), client: try target.client(home: work))
        XCTAssertEqual(result.sent, 3)
        XCTAssertEqual(target.tokenScopes.count, 1, "one token, asked before the uploads start, not one per upload")
        XCTAssertEqual(Array(requestLines(target).prefix(3)), Self.authenticate)
        XCTAssertTrue(target.requests.dropFirst(3).allSatisfy { $0.authorization == "Bearer token-1" }, "no request was refused")
        try assertHoldsTheModel(target, in: "team/tiny")
    }

    func testATokenThatExpiresMidUploadIsRenewedOnceAndTheChunkSentAgain() async throws {
        let (reference, target) = try await pulledFromAnotherRegistry()
        target.queueFaults([nil, .tokensExpire], for: .patch)

        let result = try await push(reference, to: "team/tiny", on: target)
        XCTAssertEqual(result.sent, 3)
        XCTAssertEqual(target.tokenScopes.count, 2, "one renewal")
        XCTAssertEqual(Array(requestLines(target).dropFirst(Self.authenticate.count).prefix(7)),
                       ["HEAD blobHead", "POST start", "PATCH patch 0-\(Self.chunk - 1)", "PATCH patch \(Self.chunk)-\(2 * Self.chunk - 1)",
                        "GET token", "PATCH patch \(Self.chunk)-\(2 * Self.chunk - 1)", "PATCH patch \(2 * Self.chunk)-\(big.size - 1)"],
                       "the refused chunk goes again with the new token, from the same offset")
        let renewal = try XCTUnwrap(target.requests.lastIndex { $0.kind == .token })
        XCTAssertTrue(target.requests[(renewal + 1)...].allSatisfy { $0.authorization == "Bearer token-2" }, "the new token is kept")
        try assertHoldsTheModel(target, in: "team/tiny")
    }

    func testARefusedMountUploadsInTheSessionItOpened() async throws {
        let registry = try registry(refusesMounts: true)
        let reference = try await pullSource(from: registry)
        let mark = registry.requests.count

        let result = try await push(reference, to: "team/copy", on: registry)
        XCTAssertEqual([result.sent, result.skipped, result.mounted], [3, 0, 0])
        XCTAssertEqual(requestLines(registry, from: mark),
                       Self.authenticate + pushOrder.flatMap { upload($0, opening: "POST mount") } + ["PUT manifestPut"],
                       "no second session: the bytes go into the one the refused mount opened")
        try assertHoldsTheModel(registry, in: "team/copy")
    }

    func testAPatchCutMidwayResumesFromTheOffsetTheRegistryReports() async throws {
        let (reference, target) = try await pulledFromAnotherRegistry()
        target.queueFaults([nil, .cut(afterBytes: 100_000)], for: .patch)

        let result = try await push(reference, to: "team/tiny", on: target)
        XCTAssertEqual(result.sent, 3)
        let held = Self.chunk + 100_000
        let bigLog = Array(requestLines(target).dropFirst(Self.authenticate.count).prefix(9))
        XCTAssertEqual(bigLog, ["HEAD blobHead", "POST start", "PATCH patch 0-\(Self.chunk - 1)", "PATCH patch \(Self.chunk)-\(2 * Self.chunk - 1)",
                                "HEAD blobHead", "GET status",
                                "PATCH patch \(held)-\(held + Self.chunk - 1)", "PATCH patch \(held + Self.chunk)-\(big.size - 1)", "PUT finish"],
                       "after the cut, the session is asked what it holds and the upload goes on from there")
        let patched = target.requests.filter { $0.kind == .patch }.reduce(0) { $0 + $1.bodyBytes }
        XCTAssertEqual(Int64(patched), big.size, "no byte the registry held was sent again")
        XCTAssertEqual(target.requests.filter { $0.kind == .start }.count, 3, "one session per blob: the cut one was continued")
        try assertHoldsTheModel(target, in: "team/tiny")
    }

    func testAChunkRefusedWith503IsSentAgainFromTheSameOffsetInTheSameSession() async throws {
        let (reference, target) = try await pulledFromAnotherRegistry()
        target.queueFaults([nil, .status(503)], for: .patch)

        let result = try await push(reference, to: "team/tiny", on: target)
        XCTAssertEqual(result.sent, 3)
        let second = "PATCH patch \(Self.chunk)-\(2 * Self.chunk - 1)"
        XCTAssertEqual(Array(requestLines(target).dropFirst(Self.authenticate.count).prefix(8)),
                       ["HEAD blobHead", "POST start", "PATCH patch 0-\(Self.chunk - 1)", second, "HEAD blobHead", "GET status", second,
                        "PATCH patch \(2 * Self.chunk)-\(big.size - 1)"],
                       "the refused chunk is sent again, nothing before it")
        XCTAssertEqual(target.requests.filter { $0.kind == .start }.count, 3, "one session per blob")
        try assertHoldsTheModel(target, in: "team/tiny")
    }

    func testCredentialsGoToTheRegistryHostOnly() async throws {
        // Basic credentials for registry.test alone, in docker's config.json.
        let docker = work.appendingPathComponent("docker")
        try FileManager.default.createDirectory(at: docker, withIntermediateDirectories: true)
        let auth = Data("alice:s3cret".utf8).base64EncodedString()
        try Data("{\"auths\": {\"registry.test\": {\"auth\": \"\(auth)\"}}}".utf8).write(to: docker.appendingPathComponent("config.json"))
        let environment = ["DOCKER_CONFIG": docker.path]
        let source = try registry(host: "source.test")
        let reference = try await pullSource(from: source, environment: environment)
        let target = PushRegistry(auth: .basic(user: "alice", password: "s3cret"), uploadsElsewhere: true)

        let result = try await push(reference, to: "team/tiny", on: target, environment: environment)
        XCTAssertEqual(result.sent, 3)
        XCTAssertTrue(source.requests.allSatisfy { $0.authorization == nil || $0.authorization!.hasPrefix("Bearer ") },
                      "another registry gets no password: \(source.requests.compactMap(\.authorization))")
        let onRegistry = target.requests.filter { $0.url.host == target.host }
        let onUploads = target.requests.filter { $0.url.host == PushRegistry.uploadHost }
        XCTAssertEqual(onRegistry.first?.authorization, nil, "asked once without, as the registry may need none")
        XCTAssertTrue(onRegistry.dropFirst().allSatisfy { $0.authorization == "Basic " + auth })
        XCTAssertEqual(onUploads.count, 6, "three PATCHes and three PUTs on the upload host")
        XCTAssertTrue(onUploads.allSatisfy { $0.authorization == nil }, "the upload host gets no credentials")
        try assertHoldsTheModel(target, in: "team/tiny")
    }

    func testABearerTokenGoesToTheRegistryHostOnly() async throws {
        let (reference, _) = try await pulledFromAnotherRegistry()
        let target = PushRegistry(uploadsElsewhere: true)

        let result = try await push(reference, to: "team/tiny", on: target)
        XCTAssertEqual(result.sent, 3)
        let onRegistry = target.requests.filter { $0.url.host == target.host && $0.kind != .token }
        let onUploads = target.requests.filter { $0.url.host == PushRegistry.uploadHost }
        XCTAssertTrue(onRegistry.dropFirst().allSatisfy { $0.authorization == "Bearer token-1" })
        XCTAssertEqual(onUploads.count, 6, "three PATCHes and three PUTs on the upload host")
        XCTAssertTrue(onUploads.allSatisfy { $0.authorization == nil }, "the upload host gets no token")
        try assertHoldsTheModel(target, in: "team/tiny")
    }

    func testARefusedUploadIsNotRetried() async throws {
        let (reference, target) = try await pulledFromAnotherRegistry()
        target.queueFaults([.status(403)], for: .start)

        do {
            _ = try await push(reference, to: "team/tiny", on: target)
            XCTFail("a refused upload succeeded")
        } catch {
            XCTAssertTrue("\(error)".contains("403"), "\(error)")
        }
        XCTAssertEqual(requestLines(target), Self.authenticate + ["HEAD blobHead", "POST start"], "one refusal, no retry, no manifest")
    }

    /// `BlobUploader` owns the retry window of its requests, so
    /// `RetryingHTTPClient` hands it every answered 503, with the answer's
    /// `Retry-After` noted on that window (it was dropped before).
    func testRetryAfterOnAnUploadIsWaitedFor() async throws {
        let (reference, target) = try await pulledFromAnotherRegistry()
        target.queueFaults([.status(503, retryAfter: "1")], for: .finish)

        let result = try await push(reference, to: "team/tiny", on: target, retry: RetryPolicy(window: 20, baseDelay: 0.001, maximumDelay: 2))
        XCTAssertEqual(result.sent, 3)
        let requests = target.requests
        let refused = try XCTUnwrap(requests.firstIndex { $0.fault != nil })
        let waited = requests[refused + 1].at - requests[refused].at
        XCTAssertGreaterThanOrEqual(waited, .milliseconds(950), "the next request waited for Retry-After: 1")
        try assertHoldsTheModel(target, in: "team/tiny")
    }

    func testRetryAfterOnTheManifestIsWaitedFor() async throws {
        let (reference, target) = try await pulledFromAnotherRegistry()
        target.queueFaults([.status(503, retryAfter: "1")], for: .manifestPut)

        _ = try await push(reference, to: "team/tiny", on: target, retry: RetryPolicy(window: 20, baseDelay: 0.001, maximumDelay: 2))
        let puts = target.requests.filter { $0.kind == .manifestPut }
        XCTAssertEqual(puts.count, 2)
        XCTAssertGreaterThanOrEqual(puts[1].at - puts[0].at, .milliseconds(950), "the second PUT waited for Retry-After: 1")
        try assertHoldsTheModel(target, in: "team/tiny")
    }
}
