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

    private func manifest(config: Int64, layers: [Int64]) -> String {
        let list = layers.enumerated().map { #"{"mediaType":"application/vnd.ollama.image.model","digest":"\#(digest(Character(String($0.offset % 10))))","size":\#($0.element)}"# }
        return #"{"schemaVersion":2,"config":{"mediaType":"x/y","digest":"\#(digest("a"))","size":\#(config)},"layers":[\#(list.joined(separator: ","))]}"#
    }

    func testSizesThatWouldOverflowAreRefused() throws {
        XCTAssertNoThrow(try ManifestDocument.decode(Data(manifest(config: 10, layers: [1_000_000_000_000_000]).utf8), contentType: nil),
                         "1 PB is a size, if a large one")
        let cases: [(String, String)] = [
            (manifest(config: 10, layers: [Int64.max]), "over the limit"),
            (manifest(config: Int64.max, layers: []), "over the limit"),
            (manifest(config: 10, layers: [1 << 52, 1 << 52, 1 << 52]), "add up to more than"),
            (manifest(config: 10, layers: Array(repeating: 1 << 53, count: 1100)), "add up to more than"),
            (#"{"schemaVersion":2,"config":{"mediaType":"x/y","digest":"\#(digest("a"))","size":9223372036854775808},"layers":[]}"#, "invalid manifest"),
        ]
        for (json, expected) in cases {
            XCTAssertThrowsError(try ManifestDocument.decode(Data(json.utf8), contentType: nil)) { error in
                XCTAssertTrue("\(error)".contains(expected), "\(error)")
            }
        }
        XCTAssertEqual([Descriptor(mediaType: "a", digest: try Digest(digest("a")), size: .max),
                        Descriptor(mediaType: "a", digest: try Digest(digest("b")), size: .max)].totalSize, .max, "totals saturate")
    }

    func testDuplicateKeysAndDeepNestingAreRefused() {
        let layers = #"[{"mediaType":"application/vnd.ollama.image.model","digest":"\#(digest("b"))","size":1}]"#
        let config = #"{"mediaType":"x/y","digest":"\#(digest("a"))","size":1}"#
        let cases: [(String, String)] = [
            (#"{"schemaVersion":2,"config":\#(config),"layers":\#(layers),"layers":[]}"#, #"key "layers" appears twice"#),
            (#"{"schemaVersion":2,"config":\#(config),"layers":\#(layers),"lay\u0065rs":[]}"#, #"key "layers" appears twice"#),
            (#"{"schemaVersion":2,"config":{"mediaType":"x/y","size":1,"digest":"\#(digest("a"))","size":2},"layers":[]}"#, #"key "size" appears twice"#),
            (String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000), "nested deeper than 64 levels"),
            (#"{"schemaVersion":2,"annotations":"# + String(repeating: #"{"a":"#, count: 70) + "1" + String(repeating: "}", count: 71), "nested deeper"),
        ]
        for (json, expected) in cases {
            XCTAssertThrowsError(try ManifestDocument.decode(Data(json.utf8), contentType: nil)) { error in
                XCTAssertTrue("\(error)".hasPrefix("invalid manifest: "), "\(error)")
                XCTAssertTrue("\(error)".contains(expected), "\(error)")
            }
        }
    }

    func testPlatformMatching() throws {
        let wanted = try Platform(parsing: "linux/arm64")
        XCTAssertTrue(wanted.matches(Platform(os: "linux", architecture: "arm64", variant: "v8")))
        XCTAssertFalse(wanted.matches(Platform(os: "linux", architecture: "amd64")))
        XCTAssertThrowsError(try Platform(parsing: "linux"))
    }

    /// Every media type a manifest carries is checked where it is decoded:
    /// the top-level one (sent back as a push's `Content-Type`), the
    /// artifact type, the config's, each layer's and each index entry's.
    func testEveryMediaTypeInAManifestIsWellFormed() {
        let bad = #"application/json\r\nDELETE /v2/x HTTP/1.1"#
        let config = #"{"mediaType":"x/y","digest":"\#(digest("a"))","size":1}"#
        let cases: [(String, String)] = [
            (#"{"schemaVersion":2,"mediaType":"\#(bad)","config":\#(config),"layers":[]}"#, "the manifest's mediaType"),
            (#"{"schemaVersion":2,"artifactType":"\#(bad)","config":\#(config),"layers":[]}"#, "the manifest's artifactType"),
            (#"{"schemaVersion":2,"config":{"mediaType":"\#(bad)","digest":"\#(digest("a"))","size":1},"layers":[]}"#,
             "the mediaType of \(digest("a"))"),
            (#"{"schemaVersion":2,"config":\#(config),"layers":[{"mediaType":"\#(bad)","digest":"\#(digest("b"))","size":1}]}"#,
             "the mediaType of \(digest("b"))"),
            (#"{"schemaVersion":2,"config":\#(config),"layers":[{"mediaType":"x/y","artifactType":"\#(bad)","digest":"\#(digest("b"))","size":1}]}"#,
             "the artifactType of \(digest("b"))"),
            (#"{"schemaVersion":2,"mediaType":"\#(MediaType.ociIndex)","manifests":[{"mediaType":"\#(bad)","digest":"\#(digest("c"))","size":1}]}"#,
             "the mediaType of \(digest("c"))"),
            (#"{"schemaVersion":2,"config":\#(config),"layers":[{"mediaType":"","digest":"\#(digest("b"))","size":1}]}"#,
             "the mediaType of \(digest("b"))"),
        ]
        for (json, what) in cases {
            XCTAssertThrowsError(try ManifestDocument.decode(Data(json.utf8), contentType: nil), what) { error in
                let text = (error as? ModelGetError)?.description ?? "\(error)"
                XCTAssertTrue(text.hasPrefix("invalid manifest: \(what) "), text)
                XCTAssertTrue(text.hasSuffix("is not a media type (RFC 6838 type/subtype, at most 255 bytes)"), text)
                XCTAssertFalse(text.contains("\r") || text.contains("\n"), text)
            }
        }
    }
}
