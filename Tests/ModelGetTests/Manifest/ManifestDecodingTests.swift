import XCTest
@testable import ModelGet

final class ManifestDecodingTests: XCTestCase {
    private func digest(_ c: Character) -> String { "sha256:" + String(repeating: c, count: 64) }

    func testOllamaManifestServedAsTextPlain() throws {
        let json = """
        {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",
         "config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"\(digest("a"))","size":10},
         "layers":[{"mediaType":"application/vnd.ollama.image.model","digest":"\(digest("b"))","size":100},
                   {"mediaType":"application/vnd.ollama.image.template","digest":"\(digest("b"))","size":100}]}
        """
        let (document, type) = try ManifestDocument.decode(Data(json.utf8), contentType: "text/plain; charset=utf-8")
        XCTAssertEqual(type, MediaType.dockerManifest)
        guard case let .image(manifest) = document else { return XCTFail() }
        XCTAssertEqual(manifest.layers.count, 2)
        XCTAssertEqual(manifest.blobs.map(\.digest.description), [digest("a"), digest("b")], "duplicates fetched once")
    }

    func testIndexByContentTypeAndByShape() throws {
        let json = """
        {"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"\(digest("c"))","size":5,
          "platform":{"os":"linux","architecture":"arm64","variant":"v8"}}]}
        """
        let (byShape, type) = try ManifestDocument.decode(Data(json.utf8), contentType: nil)
        XCTAssertEqual(type, MediaType.ociIndex)
        guard case let .index(index) = byShape else { return XCTFail() }
        XCTAssertEqual(index.manifests.first?.platform?.description, "linux/arm64/v8")
        let (_, listType) = try ManifestDocument.decode(Data(json.utf8), contentType: MediaType.dockerManifestList)
        XCTAssertEqual(listType, MediaType.dockerManifestList)
    }

    func testHostileManifests() {
        let cases: [(String, String)] = [
            ("[]", "not a JSON object"),
            (#"{"schemaVersion":1}"#, "schemaVersion"),
            (#"{"schemaVersion":2,"layers":[]}"#, "config"),
            (#"{"schemaVersion":2,"config":{"mediaType":"x/y","digest":"\#(digest("a"))","size":-5},"layers":[]}"#, "negative size"),
            (#"{"schemaVersion":2,"config":{"mediaType":"x/y","digest":"\#(digest("a"))","size":"big"},"layers":[]}"#, "wrong type"),
        ]
        for (json, expected) in cases {
            XCTAssertThrowsError(try ManifestDocument.decode(Data(json.utf8), contentType: nil), json) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(json): \(error)")
            }
        }
        let huge = Data(count: ManifestDocument.maximumSize + 1)
        XCTAssertThrowsError(try ManifestDocument.decode(huge, contentType: nil)) { error in
            XCTAssertEqual(error as? ModelGetError, .manifestTooLarge(limit: ManifestDocument.maximumSize))
        }
    }

    func testPlatformMatching() throws {
        let wanted = try Platform(parsing: "linux/arm64")
        XCTAssertTrue(wanted.matches(Platform(os: "linux", architecture: "arm64", variant: "v8")))
        XCTAssertFalse(wanted.matches(Platform(os: "linux", architecture: "amd64")))
        XCTAssertThrowsError(try Platform(parsing: "linux"))
    }
}
