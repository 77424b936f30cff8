import Foundation
@testable import ModelGet
import TestSupport
import XCTest

/// `BlobSource` remembers where the registry redirected a blob (a CDN's
/// signed URL) and asks there directly until the CDN refuses, when it asks
/// the registry again.
final class CDNLocationCacheTests: XCTestCase {
    private var work: URL!
    private var blob: GeneratedModel.Blob!
    private var model: GeneratedModel!
    private var registry: InProcessRegistry!

    override func setUpWithError() throws {
        work = FileManager.default.temporaryDirectory.appendingPathComponent("cdn-cache-\(UUID().uuidString)")
        model = try ModelSeeder.ollamaModel(layerSizes: [300_000], seed: 4, in: work.appendingPathComponent("seed"))
        blob = model.layers[0]
        try startRegistry()
    }

    /// A new registry (and CDN) that has seen no request.
    private func startRegistry() throws {
        registry = InProcessRegistry(manifest: model.manifest, manifestType: model.mediaType,
                                     blobs: [blob.digest: try Data(contentsOf: blob.path)], redirectsToCDN: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: work) }

    /// Keeps the bytes of a 2xx body.
    private final class Collector: ResponseBodySink {
        var bytes = Data()
        func begin(status: Int, headers: HTTPHeaders) throws -> Bool { (200..<300).contains(status) }
        func write(_ chunk: UnsafeRawBufferPointer) throws { bytes.append(contentsOf: chunk) }
    }

    private func source() throws -> BlobSource {
        BlobSource(client: try registry.client(home: work), repository: registry.repository, digest: try Digest(blob.digest),
                   connections: HostConnections())
    }

    /// Fetches `range` and checks the bytes against the blob's.
    private func fetch(_ range: Range<Int64>, from source: BlobSource, file: StaticString = #filePath, line: UInt = #line) async throws {
        let sink = Collector()
        let response = try await source.fetch(range: range, sink: sink)
        XCTAssertEqual(response.status, 206, file: file, line: line)
        let whole = try Data(contentsOf: blob.path)
        XCTAssertEqual(sink.bytes, whole.subdata(in: Int(range.lowerBound)..<Int(range.upperBound)), file: file, line: line)
    }

    private var registryGets: Int { registry.blobRequests(blob.digest).registry.filter { $0.authorization != nil }.count }
    private var cdnGets: Int { registry.blobRequests(blob.digest).cdn.count }

    func testTheLocationIsAskedDirectlyOnceKnown() async throws {
        let source = try source()
        try await fetch(0..<1000, from: source)
        XCTAssertEqual([registryGets, cdnGets], [1, 1])
        try await fetch(1000..<5000, from: source)
        try await fetch(5000..<300_000, from: source)
        XCTAssertEqual([registryGets, cdnGets], [1, 3], "later ranges go straight to the CDN")
    }

    func testARefusedLocationIsForgottenAndTheRegistryAskedAgain() async throws {
        for refusal in [401, 403, 404, 410] {
            try startRegistry()
            let source = try source()
            try await fetch(0..<1000, from: source)
            registry.queueFaults([.status(refusal)], for: blob.digest)
            try await fetch(1000..<2000, from: source)
            XCTAssertEqual([registryGets, cdnGets], [2, 3], "\(refusal): refused at the CDN, asked of the registry, then the new location")
            try await fetch(2000..<3000, from: source)
            XCTAssertEqual([registryGets, cdnGets], [2, 4], "\(refusal): the new location is kept")
        }
    }

    func testAServerErrorAtTheCDNKeepsTheLocation() async throws {
        let source = try source()
        try await fetch(0..<1000, from: source)
        registry.queueFaults([.status(503)], for: blob.digest)
        // Under the loop that owns the bytes (PartFetcher), as blob parts are fetched.
        let response = try await RetryWindow.$current.withValue(RetryWindow(RetryPolicy())) {
            try await source.fetch(range: 1000..<2000, sink: Collector())
        }
        XCTAssertEqual(response.status, 503, "for the owning loop's retry window to decide")
        try await fetch(1000..<2000, from: source)
        XCTAssertEqual([registryGets, cdnGets], [1, 3], "a 503 is no refusal: the location stays")
    }

    func testACDNThatStopsAnsweringIsLeftForTheRegistry() async throws {
        let source = try source()
        try await fetch(0..<1000, from: source)
        registry.queueFaults([.cut(afterBytes: 0)], for: blob.digest)
        do {
            try await fetch(1000..<2000, from: source)
            XCTFail("a cut connection delivered")
        } catch ModelGetError.network {}
        XCTAssertEqual([registryGets, cdnGets], [1, 2], "the CDN was asked once, not retried in place")
        try await fetch(1000..<2000, from: source)
        XCTAssertEqual([registryGets, cdnGets], [2, 3], "the registry was asked again, and named the location anew")
    }
}
