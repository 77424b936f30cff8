import XCTest
@testable import ModelGet

final class HTTPHeadersTests: XCTestCase {
    func testLookupIgnoresASCIICaseOnly() {
        let headers: HTTPHeaders = ["Docker-Content-Digest": "sha256:abc", "WWW-Authenticate": "Bearer realm=x"]
        XCTAssertEqual(headers["docker-content-digest"], "sha256:abc")
        XCTAssertEqual(headers["www-AUTHENTICATE"], "Bearer realm=x")
        XCTAssertNil(headers["Docker-Content-Digest2"])
        XCTAssertNil(headers["Docker_Content-Digest"], "'-' and '_' are different bytes")
        // 0x40 '@' and 0x60 '`' differ only in the case bit but are not letters.
        let symbols: HTTPHeaders = ["X@": "1"]
        XCTAssertNil(symbols["X`"])
        XCTAssertEqual(symbols["x@"], "1")
    }

    func testValuesAndRemoveMatchEveryCase() {
        var headers: HTTPHeaders = [:]
        headers.add("Link", "a")
        headers.add("link", "b")
        headers.add("Location", "c")
        XCTAssertEqual(headers.values("LINK"), ["a", "b"])
        headers.set("LiNk", "d")
        XCTAssertEqual(headers.values("link"), ["d"])
        headers.remove("location")
        XCTAssertNil(headers["Location"])
    }
}
