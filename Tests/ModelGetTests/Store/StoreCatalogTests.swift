import Foundation
import XCTest
@testable import ModelGet

/// Store walking on a hand-made store laid out as `ollama` writes it.
final class StoreCatalogTests: XCTestCase {
    private var root: URL!
    private var store: ModelStore { ModelStore(root: root) }

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("catalog-\(UUID().uuidString)")
        try store.prepare()
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    /// Writes a blob and returns its descriptor JSON.
    private func blob(_ text: String, _ type: String) throws -> (String, Digest) {
        let data = Data(text.utf8)
        let digest = try Digest(hex: SHA256Hasher.hex(of: data))
        try data.write(to: URL(fileURLWithPath: store.blobPath(digest)))
        return ("{\"mediaType\":\"\(type)\",\"digest\":\"\(digest)\",\"size\":\(data.count)}", digest)
    }

    private func manifest(_ path: String, _ config: String, _ layers: [String]) throws {
        let url = root.appendingPathComponent("manifests/" + path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        // Ollama's own manifests; an unknown extra field must not matter.
        let text = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\",\"config\":\(config),\"layers\":[\(layers.joined(separator: ","))],\"x-extra\":{\"a\":1}}"
        try Data(text.utf8).write(to: url)
    }

    func testCatalogNamesReferencesAndBlobs() throws {
        let (config, _) = try blob("{\"model_format\":\"gguf\",\"file_type\":\"Q4_0\"}", MediaType.dockerConfig)
        let (weights, weightsDigest) = try blob("weights", MediaType.ollamaModel)
        let (other, otherDigest) = try blob("other weights", MediaType.ollamaModel)
        try manifest("registry.ollama.ai/library/llama3/latest", config, [weights])
        try manifest("registry.ollama.ai/jmorgan/tiny/q4", config, [weights])
        try manifest("127.0.0.1:5000/team/sub/m/v1", config, [other])
        try manifest("registry.ollama.ai/library/broken/latest", "{\"digest\":\"\(weightsDigest)\"}", [])
        try Data("junk".utf8).write(to: root.appendingPathComponent("manifests/registry.ollama.ai/library/llama3/.latest.tmp-1"))
        try Data("junk".utf8).write(to: root.appendingPathComponent("manifests/registry.ollama.ai/library/llama3/Bad Tag"))

        let catalog = try store.catalog()
        XCTAssertEqual(catalog.models.map(\.displayName), ["jmorgan/tiny:q4", "llama3:latest"])
        // Every other file counts: one too deep for ollama, a broken one, a dot file, a name ollama refuses.
        XCTAssertEqual(catalog.unreadable.map { ($0.path as NSString).lastPathComponent }, ["v1", "latest", ".latest.tmp-1", "Bad Tag"])
        XCTAssertTrue(catalog.unreadable[0].mentionedDigests.contains(otherDigest))
        XCTAssertEqual(catalog.unreadable[1].mentionedDigests, [weightsDigest])
        XCTAssertNil(catalog.unknownNeeds, "every file could be read")
        XCTAssertTrue(catalog.referencedDigests.isSuperset(of: [weightsDigest, otherDigest]))
        XCTAssertEqual(try store.model(Reference(parsing: "llama3")).manifest.layers.first?.digest, weightsDigest)
        XCTAssertThrowsError(try store.model(Reference(parsing: "nope")))
    }

    func testLinkedFoldersAreWalkedDownToOllamasDepth() throws {
        let (config, _) = try blob("{}", MediaType.dockerConfig)
        let (weights, weightsDigest) = try blob("linked weights", MediaType.ollamaModel)
        let (_, deeperDigest) = try blob("deeper", MediaType.ollamaModel)
        // A model folder kept elsewhere and linked in, as ollama's glob follows it.
        try manifest("../elsewhere/tiny/v1", config, [weights])
        try manifest("../elsewhere/tiny/deeper/x/y", config, ["{\"digest\":\"\(deeperDigest)\"}"])
        try FileManager.default.createDirectory(at: root.appendingPathComponent("manifests/registry.ollama.ai/team"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: root.path + "/manifests/registry.ollama.ai/team/tiny", withDestinationPath: root.path + "/elsewhere/tiny")
        try FileManager.default.createSymbolicLink(atPath: root.path + "/manifests/registry.ollama.ai/loop", withDestinationPath: root.path + "/manifests")
        let catalog = try store.catalog()
        XCTAssertEqual(catalog.models.map(\.displayName), ["team/tiny:v1"])
        XCTAssertTrue(catalog.referencedDigests.contains(weightsDigest))
        XCTAssertFalse(catalog.referencedDigests.contains(deeperDigest), "below a linked folder, nothing deeper than ollama looks")
    }

    func testRemoveAndPruneKeepWhatOthersNeed() throws {
        let (config, configDigest) = try blob("{}", MediaType.dockerConfig)
        let (shared, sharedDigest) = try blob("shared", MediaType.ollamaModel)
        let (own, ownDigest) = try blob("own", MediaType.ollamaLicense)
        try manifest("registry.ollama.ai/library/a/latest", config, [shared])
        try manifest("registry.ollama.ai/library/b/latest", config, [shared, own])
        let (_, orphan) = try blob("orphan", MediaType.ollamaModel)
        let stalePartial = store.blobsDirectory + "/sha256-" + String(repeating: "a", count: 64) + "-partial-0"
        let ollamaTemporary = store.blobsDirectory + "/sha256-123456789"
        try Data("create".utf8).write(to: URL(fileURLWithPath: ollamaTemporary))
        let unrelated = store.blobsDirectory + "/notes.txt"
        try Data("mine".utf8).write(to: URL(fileURLWithPath: unrelated))
        try Data("part".utf8).write(to: URL(fileURLWithPath: stalePartial))

        let removed = try store.remove(Reference(parsing: "b"))
        XCTAssertEqual(removed.removedBlobs.map(\.digest), [ownDigest])
        XCTAssertEqual(Set(removed.keptBlobs.map(\.digest)), [configDigest, sharedDigest])
        XCTAssertFalse(FileManager.default.fileExists(atPath: root.path + "/manifests/registry.ollama.ai/library/b"))

        let young = try store.prune(now: Date())
        XCTAssertEqual(young.unreferencedBlobs.map(\.digest), [orphan])
        XCTAssertTrue(young.stalePartials.isEmpty, "a partial written just now may belong to a running ollama")
        let old = try store.prune(now: Date().addingTimeInterval(3600))
        XCTAssertEqual(old.stalePartials.map(\.name), ["blobs/sha256-123456789", "blobs/" + (stalePartial as NSString).lastPathComponent])
        XCTAssertTrue(FileManager.default.fileExists(atPath: unrelated), "a file not named like ollama's is not prune's")
        XCTAssertTrue(store.hasBlob(Descriptor(mediaType: "", digest: sharedDigest, size: 6)))
    }

    func testVerifyReportsMissingAndCorrupt() async throws {
        let (config, _) = try blob("{}", MediaType.dockerConfig)
        let (weights, weightsDigest) = try blob("weights", MediaType.ollamaModel)
        let (license, licenseDigest) = try blob("license", MediaType.ollamaLicense)
        try manifest("registry.ollama.ai/library/a/latest", config, [weights, license])
        try Data("WEIGHTS".utf8).write(to: URL(fileURLWithPath: store.blobPath(weightsDigest)))
        unlink(store.blobPath(licenseDigest))
        let report = try await store.verify(try store.catalog().models)
        XCTAssertEqual(report.blobsChecked, 3)
        XCTAssertEqual(report.problems.map(\.descriptor.digest), [weightsDigest, licenseDigest])
        XCTAssertEqual(report.problems.last?.kind, .missing)
        XCTAssertEqual(report.problems.first?.models, ["a:latest"])
    }
}
