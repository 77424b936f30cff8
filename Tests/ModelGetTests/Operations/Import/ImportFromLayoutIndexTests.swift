import Foundation
import XCTest
@testable import ModelGet

/// Import as the graph copy from an OCI layout whose one entry is an image
/// index: the image for `--platform` is stored under the layout's name,
/// only its blobs reach the store, a second import adds nothing, and a
/// platform the index lacks, or an `--as` digest that is not the chosen
/// image's, leaves the store as it was.
final class ImportFromLayoutIndexTests: XCTestCase {
    private var root: URL!
    private var layout: URL { root.appendingPathComponent("layout") }
    private var store: ModelStore { ModelStore(root: root.appendingPathComponent("models")) }
    private let layoutName = "registry.example/team/model:v1"

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("import-index-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: layout.appendingPathComponent("blobs/sha256"), withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    /// `bytes` as a layout blob; its descriptor as JSON, `extra` (platform, annotations) appended.
    private func blob(_ bytes: Data, _ mediaType: String, extra: String = "") throws -> (digest: Digest, json: String) {
        let digest = try Digest(hex: SHA256Hasher.hex(of: bytes))
        try bytes.write(to: layout.appendingPathComponent("blobs/sha256/" + digest.hex))
        return (digest, "{\"mediaType\":\"\(mediaType)\",\"digest\":\"\(digest)\",\"size\":\(bytes.count)\(extra)}")
    }

    /// An amd64 and an arm64 image sharing a config, under an index that
    /// `index.json` names as `layoutName`; returns each image's manifest digest and layer.
    private func writeLayout() throws -> [String: (manifest: Digest, layer: Digest)] {
        let config = try blob(Data("{\"config\":1}".utf8), "application/vnd.oci.image.config.v1+json")
        var images: [String: (manifest: Digest, layer: Digest)] = [:]
        var entries: [String] = []
        for arch in ["amd64", "arm64"] {
            let layer = try blob(Data("layer for \(arch)".utf8), "application/vnd.oci.image.layer.v1.tar")
            let image = try blob(Data(("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":\(config.json),\"layers\":[\(layer.json)]}").utf8), "application/vnd.oci.image.manifest.v1+json",
                extra: ",\"platform\":{\"os\":\"linux\",\"architecture\":\"\(arch)\"}")
            images[arch] = (image.digest, layer.digest)
            entries.append(image.json)
        }
        let index = try blob(Data("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":[\(entries.joined(separator: ","))]}".utf8),
                             "application/vnd.oci.image.index.v1+json",
                             extra: ",\"annotations\":{\"\(ImageLayout.refNameAnnotation)\":\"\(layoutName)\"}")
        try Data("{\"schemaVersion\":2,\"manifests\":[\(index.json)]}".utf8).write(to: layout.appendingPathComponent(ImageLayout.indexName))
        try Data("{\"imageLayoutVersion\":\"1.0.0\"}".utf8).write(to: layout.appendingPathComponent("oci-layout"))
        return images
    }

    private func storedBlobs() throws -> Set<String> {
        Set(try FileManager.default.contentsOfDirectory(atPath: store.root.path + "/blobs"))
    }

    func testThePlatformsImageIsStoredAndASecondImportAddsNothing() async throws {
        let images = try writeLayout()
        let arm64 = Platform(os: "linux", architecture: "arm64")
        let first = try await ModelImporter(store: store, platform: arm64).importArchive(at: layout.path)
        XCTAssertEqual(first.reference.description, layoutName)
        XCTAssertEqual(first.manifestDigest, images["arm64"]?.manifest)
        XCTAssertEqual(first.blobs, 2)
        XCTAssertEqual(first.blobsAdded, 2)
        XCTAssertNil(first.previousDigest)
        let stored = try Data(contentsOf: URL(fileURLWithPath: store.resolvedManifestPath(try Reference(parsing: layoutName))))
        XCTAssertEqual(SHA256Hasher.hex(of: stored), images["arm64"]?.manifest.hex)
        let blobs = try storedBlobs()
        XCTAssertEqual(blobs.count, 2)
        XCTAssertTrue(blobs.contains("sha256-" + (images["arm64"]?.layer.hex ?? "")))
        XCTAssertFalse(blobs.contains("sha256-" + (images["amd64"]?.layer.hex ?? "")))

        let again = try await ModelImporter(store: store, platform: arm64).importArchive(at: layout.path)
        XCTAssertEqual(again.blobsAdded, 0)
        XCTAssertEqual(again.previousDigest, images["arm64"]?.manifest)
        XCTAssertEqual(try storedBlobs(), blobs)
    }

    func testAPlatformTheIndexLacksIsRefusedAndNothingIsKept() async throws {
        _ = try writeLayout()
        do {
            _ = try await ModelImporter(store: store, platform: Platform(os: "linux", architecture: "s390x")).importArchive(at: layout.path)
            XCTFail("imported an image the index does not have")
        } catch let ModelGetError.noMatchingPlatform(wanted, available) {
            XCTAssertEqual(wanted, "linux/s390x")
            XCTAssertEqual(available, ["linux/amd64", "linux/arm64"])
        }
        XCTAssertEqual(try storedBlobs(), [])
        XCTAssertEqual(try FileManager.default.subpathsOfDirectory(atPath: store.root.path + "/manifests"), [])
        let state = try FileManager.default.contentsOfDirectory(atPath: store.root.path + "/.modelget")
        XCTAssertFalse(state.contains { $0.hasPrefix("import-") }, "\(state)")
    }

    func testAnAsDigestThatIsNotTheChosenImagesIsRefusedAndNothingIsKept() async throws {
        let images = try writeLayout()
        let pinned = try Reference(parsing: "registry.example/team/model@" + (images["amd64"]?.manifest.description ?? ""))
        let arm64 = Platform(os: "linux", architecture: "arm64")
        do {
            _ = try await ModelImporter(store: store, platform: arm64).importArchive(at: layout.path, as: pinned)
            XCTFail("stored the arm64 image under the amd64 image's digest")
        } catch let ModelGetError.digestMismatch(digest, actual) {
            XCTAssertEqual(digest, images["amd64"]?.manifest.description)
            XCTAssertEqual(actual, images["arm64"]?.manifest.hex)
        }
        XCTAssertEqual(try storedBlobs(), [])
        XCTAssertEqual(try FileManager.default.subpathsOfDirectory(atPath: store.root.path + "/manifests"), [])
    }
}
