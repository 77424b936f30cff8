import XCTest
@testable import ModelGet

final class DigestTests: XCTestCase {
    private let hex = String(repeating: "0f", count: 32)

    func testValidDigestBecomesAFileName() throws {
        let digest = try Digest("sha256:\(hex)")
        XCTAssertEqual(digest.fileName, "sha256-\(hex)")
        XCTAssertEqual(digest.description, "sha256:\(hex)")
    }

    func testDigestsThatMustNeverBecomePaths() {
        let bad = [
            "sha256:" + String(hex.dropLast(2)) + "/a",
            "sha256:../../../../etc/passwd" + String(repeating: "a", count: 36),
            "sha256:" + hex.uppercased(),
            "sha256:" + hex + "00",
            "sha256:" + String(hex.dropLast()),
            "sha512:" + hex,
            "sha256-" + hex,
            "sha256:" + String(hex.dropLast(1)) + "g",
            "sha256:" + String(hex.dropLast(1)) + "\0",
            "",
        ]
        for text in bad {
            XCTAssertThrowsError(try Digest(text), text)
        }
    }

    func testManifestWithBadDigestIsRefused() {
        let json = """
        {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",
         "config":{"mediaType":"a/b","digest":"sha256:../../x","size":1},"layers":[]}
        """
        XCTAssertThrowsError(try ManifestDocument.decode(Data(json.utf8), contentType: nil)) { error in
            guard case ModelGetError.invalidManifest = error else { return XCTFail("\(error)") }
        }
    }

    func testStorePathsUseOnlyTheHex() throws {
        let store = ModelStore(root: URL(fileURLWithPath: "/m"))
        let digest = try Digest("sha256:\(hex)")
        XCTAssertEqual(store.blobPath(digest), "/m/blobs/sha256-\(hex)")
        XCTAssertEqual(store.partialPath(digest), "/m/.modelget/partial/sha256-\(hex)", "nothing of modelget's where ollama looks")
        XCTAssertEqual(store.partialStatePath(digest), "/m/.modelget/partial/sha256-\(hex).json")
        let ref = try Reference(parsing: "127.0.0.1:5000/team/tiny:v1")
        XCTAssertEqual(store.manifestPath(ref), "/m/manifests/127.0.0.1:5000/team/tiny/v1")
    }
}
