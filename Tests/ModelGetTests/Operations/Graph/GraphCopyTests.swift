import Foundation
import XCTest
@testable import ModelGet

/// The graph copy between two models directories (`StoreSource` to
/// `StoreDestination`): what it writes, what it skips, and what it refuses.
final class GraphCopyTests: XCTestCase {
    private var root: URL!
    private var from: ModelStore { ModelStore(root: root.appendingPathComponent("from")) }
    private var to: ModelStore { ModelStore(root: root.appendingPathComponent("to")) }
    private var model: Reference { Reference(host: "registry.example", namespace: "library", name: "model", tag: "v1", digest: nil) }

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("graph-copy-\(UUID().uuidString)")
        try from.prepare()
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: root) }

    /// A blob of `bytes` in the source store (5 MiB and more: a preallocated partial file on the way in).
    private func blob(_ bytes: Data, _ mediaType: String) throws -> Descriptor {
        let digest = try Digest(hex: SHA256Hasher.hex(of: bytes))
        try bytes.write(to: URL(fileURLWithPath: from.blobPath(digest)))
        return Descriptor(mediaType: mediaType, digest: digest, size: Int64(bytes.count))
    }

    /// Puts `data` under `reference` in the source store, as a pull would.
    private func put(_ data: Data, as reference: Reference) async throws {
        try await from.whileWriting { lease in try from.writeManifest(data, for: reference, under: lease) }
    }

    /// A stored image of a config and two layers, one of them 5 MiB; returns its manifest bytes and blobs.
    private func storeModel() async throws -> (manifest: Data, blobs: [Descriptor]) {
        let big = Data((0..<(5 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31) })
        let blobs = [try blob(Data("{\"config\":1}".utf8), "application/vnd.docker.container.image.v1+json"),
                     try blob(big, "application/vnd.docker.image.rootfs.diff.tar"),
                     try blob(Data("small layer".utf8), "application/vnd.docker.image.rootfs.diff.tar")]
        let items = blobs.map { "{\"mediaType\":\"\($0.mediaType)\",\"digest\":\"\($0.digest)\",\"size\":\($0.size)}" }
        let manifest = Data(("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.docker.distribution.manifest.v2+json\","
            + "\"config\":\(items[0]),\"layers\":[\(items.dropFirst().joined(separator: ","))]}").utf8)
        try await put(manifest, as: model)
        return (manifest, blobs)
    }

    /// An index under the model's name with an amd64 and an arm64 image
    /// (stored by digest), sharing their config; returns the images' manifests.
    private func storeIndex() async throws -> (amd64: Data, arm64: Data, blobs: Set<Digest>) {
        let config = try blob(Data("{\"config\":2}".utf8), "application/vnd.oci.image.config.v1+json")
        var images: [Data] = []
        var blobs: Set<Digest> = [config.digest]
        for arch in ["amd64", "arm64"] {
            let layer = try blob(Data("layer for \(arch)".utf8), "application/vnd.oci.image.layer.v1.tar")
            blobs.insert(layer.digest)
            let image = Data(("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\","
                + "\"config\":{\"mediaType\":\"\(config.mediaType)\",\"digest\":\"\(config.digest)\",\"size\":\(config.size)},"
                + "\"layers\":[{\"mediaType\":\"\(layer.mediaType)\",\"digest\":\"\(layer.digest)\",\"size\":\(layer.size)}]}").utf8)
            var byDigest = model
            byDigest.tag = nil
            byDigest.digest = try Digest(hex: SHA256Hasher.hex(of: image))
            try await put(image, as: byDigest)
            images.append(image)
        }
        let entries = zip(["amd64", "arm64"], images).map { arch, image in
            "{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\",\"digest\":\"sha256:\(SHA256Hasher.hex(of: image))\","
                + "\"size\":\(image.count),\"platform\":{\"os\":\"linux\",\"architecture\":\"\(arch)\"}}"
        }
        let index = Data(("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.index.v1+json\",\"manifests\":["
            + entries.joined(separator: ",") + "]}").utf8)
        try await put(index, as: model)
        return (images[0], images[1], blobs)
    }

    private func copy(_ platforms: GraphCopy.Platforms = .one(.current)) async throws -> PushResult {
        try await GraphCopy(concurrency: 4, mountFrom: nil, platforms: platforms)
            .copy(from: StoreSource(store: from, reference: model), to: StoreDestination(store: to, reference: model),
                  progress: TransferProgress())
    }

    func testEveryBlobAndTheManifestArriveByteForByteAndASecondCopySkipsThem() async throws {
        let (manifest, blobs) = try await storeModel()
        let first = try await copy()
        XCTAssertEqual([first.blobs, first.sent, first.skipped], [3, 3, 0])
        XCTAssertEqual(first.manifestDigest, "sha256:" + SHA256Hasher.hex(of: manifest))
        for blob in blobs {
            XCTAssertEqual(FileManager.default.contents(atPath: to.blobPath(blob.digest)),
                           FileManager.default.contents(atPath: from.blobPath(blob.digest)))
        }
        XCTAssertEqual(FileManager.default.contents(atPath: try to.resolvedManifestPath(model)), manifest)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: to.partialsDirectory), [], "no partial file left")

        let again = try await copy()
        XCTAssertEqual([again.sent, again.skipped], [0, 3])
        XCTAssertEqual(again.skippedBytes, blobs.reduce(0) { $0 + $1.size })
    }

    func testBytesThatDoNotHashToTheirDigestAreNeitherStoredNorNamed() async throws {
        let (_, blobs) = try await storeModel()
        // Same size, other bytes: only hashing tells.
        var bad = try XCTUnwrap(FileManager.default.contents(atPath: from.blobPath(blobs[1].digest)))
        bad[bad.count / 2] ^= 0xFF
        try bad.write(to: URL(fileURLWithPath: from.blobPath(blobs[1].digest)))

        do {
            _ = try await copy()
            XCTFail("a blob whose bytes do not match its digest was copied")
        } catch let ModelGetError.digestMismatch(digest, _) {
            XCTAssertEqual(digest, blobs[1].digest.description)
        }
        XCTAssertFalse(to.hasBlob(blobs[1]), "never a blob under a name its bytes do not hash to")
        XCTAssertThrowsError(try to.resolvedManifestPath(model), "no manifest names a model whose blobs did not all arrive")
    }

    func testAStoredBlobMissingIsOneLineBeforeAnythingIsWritten() async throws {
        let (_, blobs) = try await storeModel()
        try FileManager.default.removeItem(atPath: from.blobPath(blobs[2].digest))
        do {
            _ = try await copy()
            XCTFail("copied a model with a blob missing")
        } catch {
            XCTAssertTrue("\(error)".contains(blobs[2].digest.hex), "\(error)")
            XCTAssertFalse("\(error)".contains("\n"))
        }
        XCTAssertFalse(to.hasBlob(blobs[0]), "nothing written before the check")
    }

    func testABlobThatFailedAheadFailsTheCopyWithItsErrorAndIsNotTakenFromTheSource() async throws {
        let (_, blobs) = try await storeModel()
        try to.prepare()
        var copy = GraphCopy(concurrency: 4, mountFrom: nil, platforms: .one(.current))
        copy.failedAhead = [blobs[1].digest: ModelGetError.network(url: "registry.example", reason: "gone for good")]
        do {
            _ = try await copy.copy(from: StoreSource(store: from, reference: model), to: StoreDestination(store: to, reference: model),
                                    progress: TransferProgress())
            XCTFail("copied a model whose blob failed ahead")
        } catch {
            XCTAssertTrue("\(error)".contains("gone for good"), "the fetch step's reason: \(error)")
        }
        XCTAssertFalse(to.hasBlob(blobs[1]), "the failed blob is not taken again from a source that has it")
        XCTAssertThrowsError(try to.resolvedManifestPath(model), "no manifest names a model missing a blob")
    }

    func testAnIndexIsNarrowedToThePlatformsImageWhichGoesUnderTheTag() async throws {
        let (_, arm64, _) = try await storeIndex()
        let result = try await copy(.one(Platform(os: "linux", architecture: "arm64")))
        XCTAssertEqual(result.manifestDigest, "sha256:" + SHA256Hasher.hex(of: arm64))
        XCTAssertEqual([result.blobs, result.sent], [2, 2], "the arm64 image's config and layer, nothing of amd64")
        XCTAssertEqual(FileManager.default.contents(atPath: try to.resolvedManifestPath(model)), arm64)
    }

    func testAllPlatformsCopiesEveryImageByDigestAndEachSharedBlobOnce() async throws {
        let (amd64, arm64, blobs) = try await storeIndex()
        let result = try await copy(.all)
        XCTAssertEqual([result.blobs, result.sent], [3, 3], "the shared config counted and copied once")
        for image in [amd64, arm64] {
            var byDigest = model
            byDigest.tag = nil
            byDigest.digest = try Digest(hex: SHA256Hasher.hex(of: image))
            XCTAssertEqual(FileManager.default.contents(atPath: try to.resolvedManifestPath(byDigest)), image)
        }
        for digest in blobs { XCTAssertTrue(FileManager.default.fileExists(atPath: to.blobPath(digest))) }
        XCTAssertThrowsError(try to.resolvedManifestPath(model), "the store keeps images, not the index: ollama reads none")
    }
}
