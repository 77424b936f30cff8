import Foundation
import XCTest
@testable import ModelGet

final class UploadLocationTests: XCTestCase {
    private let base = URL(string: "https://reg.example:5000/v2/team/m/blobs/uploads/")!
    private let digest = try! Digest("sha256:" + String(repeating: "ab", count: 32))

    func testAbsoluteLocationIsKeptWithItsState() {
        let url = UploadLocation.resolve("https://reg.example:5000/v2/team/m/blobs/uploads/u1?_state=a%2Bb%3D%3D", against: base)
        XCTAssertEqual(url?.absoluteString, "https://reg.example:5000/v2/team/m/blobs/uploads/u1?_state=a%2Bb%3D%3D")
    }

    func testAbsolutePathResolvesAgainstTheRequestOrigin() {
        let url = UploadLocation.resolve("/v2/team/m/blobs/uploads/u2?_state=xyz", against: base)
        XCTAssertEqual(url?.absoluteString, "https://reg.example:5000/v2/team/m/blobs/uploads/u2?_state=xyz")
    }

    func testRelativePathAndQueryOnlyReferences() {
        XCTAssertEqual(UploadLocation.resolve("u3?_state=q", against: base)?.absoluteString,
                       "https://reg.example:5000/v2/team/m/blobs/uploads/u3?_state=q")
        let session = URL(string: "https://reg.example:5000/v2/team/m/blobs/uploads/u4?_state=old")!
        XCTAssertEqual(UploadLocation.resolve("?_state=new", against: session)?.absoluteString,
                       "https://reg.example:5000/v2/team/m/blobs/uploads/u4?_state=new", "RFC 3986: keep the path, replace the query")
        XCTAssertEqual(UploadLocation.resolve("//other.example/up/u5", against: base)?.absoluteString, "https://other.example/up/u5")
    }

    func testUnusableLocationsAreRefused() {
        XCTAssertNil(UploadLocation.resolve("", against: base))
        XCTAssertNil(UploadLocation.resolve("ftp://reg.example/x", against: base))
        XCTAssertNil(UploadLocation.resolve("file:///etc/passwd", against: base))
        // Found by the upload-location fuzz target: a network-path reference with no host.
        XCTAssertNil(UploadLocation.resolve("//?_state=new", against: base))
        XCTAssertNil(UploadLocation.resolve("////other.example/up", against: base))
        XCTAssertNil(UploadLocation.resolve("//@[]", against: base), "an empty IP literal is no host")
    }

    func testFragmentIsDropped() {
        XCTAssertEqual(UploadLocation.resolve("/v2/x/blobs/uploads/u?_state=s#frag", against: base)?.absoluteString,
                       "https://reg.example:5000/v2/x/blobs/uploads/u?_state=s")
    }

    func testDigestIsAppendedToTheQuery() {
        let hex = String(repeating: "ab", count: 32)
        func append(_ text: String) -> String { UploadLocation.appendingDigest(digest, to: URL(string: text)!).absoluteString }
        XCTAssertEqual(append("https://r/v2/m/blobs/uploads/u?_state=s%3D"), "https://r/v2/m/blobs/uploads/u?_state=s%3D&digest=sha256:\(hex)")
        XCTAssertEqual(append("https://r/v2/m/blobs/uploads/u"), "https://r/v2/m/blobs/uploads/u?digest=sha256:\(hex)")
        XCTAssertEqual(append("https://r/v2/m/blobs/uploads/u?"), "https://r/v2/m/blobs/uploads/u?digest=sha256:\(hex)")
        XCTAssertEqual(append("https://r/v2/m/blobs/uploads/u?a=1&"), "https://r/v2/m/blobs/uploads/u?a=1&digest=sha256:\(hex)")
    }

    func testUploadedBytesFromRange() {
        XCTAssertEqual(RegistryClient.uploadedBytes(range: "0-1048575"), 1_048_576)
        XCTAssertEqual(RegistryClient.uploadedBytes(range: "0-0"), 0, "distribution's answer for an empty session")
        XCTAssertEqual(RegistryClient.uploadedBytes(range: "bytes=0-99"), 100)
        XCTAssertNil(RegistryClient.uploadedBytes(range: nil))
        XCTAssertNil(RegistryClient.uploadedBytes(range: "5-10"))
        XCTAssertNil(RegistryClient.uploadedBytes(range: "0-x"))
        XCTAssertNil(RegistryClient.uploadedBytes(range: "0-9223372036854775807"), "N + 1 would overflow")
    }

    func testPushScopesAskForTheMountSourceInTheSameToken() {
        XCTAssertEqual(RegistryClient.pushScopes("team/m", mountFrom: "library/m"),
                       ["repository:team/m:pull,push", "repository:library/m:pull"])
        XCTAssertEqual(RegistryClient.pushScopes("team/m", mountFrom: nil), ["repository:team/m:pull,push"])
        XCTAssertEqual(RegistryClient.pushScopes("team/m", mountFrom: "team/m"), ["repository:team/m:pull,push"])
    }
}
