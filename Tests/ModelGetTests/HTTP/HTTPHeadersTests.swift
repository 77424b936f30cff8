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

    func testAFieldThatIsNotOneCleanLineIsNamed() {
        XCTAssertNil((["Content-Type": "text/plain; a=\"b\"", "X-Tab": "a\tb", "X-UTF8": "caf\u{e9}"] as HTTPHeaders).firstMalformedField)
        for (name, value) in [("Content-Type", "a\r\nB: c"), ("X", "a\nb"), ("X", "a\rb"), ("X", "a\u{0}b"), ("X", "a\u{7f}"),
                              ("X Y", "v"), ("X:", "v"), ("", "v"), ("X\r\nY", "v")] {
            var headers: HTTPHeaders = ["Accept": "*/*"]
            headers.add(name, value)
            XCTAssertEqual(headers.firstMalformedField, name, "\(name.debugDescription): \(value.debugDescription)")
        }
    }
}
