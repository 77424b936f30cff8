import Foundation
import ModelGet
import TestSupport
import XCTest

/// `modelget copy` between two real docker-registries (the source behind
/// bearer tokens), and within one registry, where every blob is mounted.
final class CopyBetweenRegistriesTests: XCTestCase {
    private var fixture: PushFixture!

    override func setUpWithError() throws { fixture = try PushFixture() }
    override func tearDownWithError() throws { fixture.remove() }

    func testCopyStreamsThroughScratchAndKeepsNothing() async throws {
        let tokens = try TokenService(users: ["bob": "s3cret"])
        let credentials = ["MODELGET_USERNAME": "bob", "MODELGET_PASSWORD": "s3cret"]
        let origin = try RegistryProcess(auth: .token(tokens))
        let model = try fixture.seedModel(into: origin)
        let source = try Reference(parsing: "\(origin.host)/library/many:v1")
        let target = try RegistryProcess()
        let proxy = try CountingProxy(upstream: target.host)
        let destination = try Reference(parsing: "\(proxy.host)/mirror/many:v1")
        let store = fixture.store("models")

        let copier = ModelCopier(store: store)
        let result = try await copier.copy(source, from: try fixture.client(origin.host, environment: credentials),
                                           to: destination, try fixture.client(proxy.host))
        XCTAssertEqual(result.sent, model.layers.count + 1)
        XCTAssertEqual(result.manifestDigest, model.manifestDigest)
        XCTAssertEqual(proxy.uploadedBodyBytes, Int(model.totalSize))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: store.blobsDirectory), [], "nothing kept in the store")
        XCTAssertFalse(FileManager.default.fileExists(atPath: store.manifestPath(source)))
        let state = (try? FileManager.default.contentsOfDirectory(atPath: store.stateDirectory)) ?? []
        XCTAssertFalse(state.contains { $0.hasPrefix("copy-") }, "the scratch directory is gone: \(state)")
        try await fixture.assertPullsBack(model, from: destination)

        let again = try await copier.copy(source, from: try fixture.client(origin.host, environment: credentials),
                                          to: destination, try fixture.client(proxy.host))
        XCTAssertEqual(again.skipped, model.layers.count + 1)
        XCTAssertEqual(again.bytesTransferred, 0)
    }

    func testCopyWithKeepLeavesTheModelInTheStore() async throws {
        let origin = try RegistryProcess()
        let model = try fixture.seedModel(into: origin, count: 5)
        let source = try Reference(parsing: "\(origin.host)/library/many:v1")
        let target = try RegistryProcess()
        let destination = try Reference(parsing: "\(target.host)/library/many:v1")
        let store = fixture.store("models")
        _ = try await ModelCopier(store: store, keep: true)
            .copy(source, from: try fixture.client(origin.host), to: destination, try fixture.client(target.host))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: store.manifestPath(source))), model.manifest)
        for blob in [model.config] + model.layers {
            XCTAssertEqual(FileIOProbe.size(store.blobsDirectory + "/sha256-" + blob.digest.dropFirst(7)), blob.size)
        }
        try await fixture.assertPullsBack(model, from: destination)
    }

    func testCopyWithinOneRegistryMountsEveryBlob() async throws {
        let tokens = try TokenService()
        let origin = try RegistryProcess(auth: .token(tokens))
        let model = try fixture.seedModel(into: origin)
        let source = try Reference(parsing: "\(origin.host)/library/many:v1")
        let destination = try Reference(parsing: "\(origin.host)/team/many:v2")
        let client = try fixture.client(origin.host)
        let result = try await ModelCopier(store: fixture.store("models")).copy(source, from: client, to: destination, client)
        XCTAssertEqual(result.mounted, model.layers.count + 1)
        XCTAssertEqual(result.sent, 0)
        XCTAssertEqual(result.bytesTransferred, 0)
        try await fixture.assertPullsBack(model, from: destination)
    }
}

/// The size of a regular file, read without the library.
enum FileIOProbe {
    static func size(_ path: String) -> Int64? {
        (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value
    }
}
