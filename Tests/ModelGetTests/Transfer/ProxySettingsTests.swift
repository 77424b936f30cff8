import Foundation
@testable import ModelGet
import XCTest

/// Which proxy a request takes: the environment read in either case,
/// `--proxy` over it, and `NO_PROXY` by curl's rules (names and their
/// subdomains, addresses, CIDR blocks, `*`).
final class ProxySettingsTests: XCTestCase {
    private func proxy(_ environment: [String: String], flag: String? = nil, for url: String) throws -> String? {
        try ProxySettings(environment: environment, proxy: flag).proxy(for: URL(string: url)!)
    }

    func testEachSchemeTakesItsOwnVariableInEitherCaseThenAllProxy() throws {
        XCTAssertEqual(try proxy(["HTTPS_PROXY": "http://p:3128"], for: "https://r.example/v2/"), "http://p:3128")
        XCTAssertEqual(try proxy(["https_proxy": "p:3128"], for: "https://r.example/v2/"), "http://p:3128")
        XCTAssertNil(try proxy(["HTTPS_PROXY": "http://p:3128"], for: "http://r.example/v2/"))
        XCTAssertEqual(try proxy(["HTTP_PROXY": "http://h:1"], for: "http://r.example/v2/"), "http://h:1")
        XCTAssertEqual(try proxy(["ALL_PROXY": "socks5h://s:1080", "http_proxy": "http://h:1"], for: "https://r.example/"), "socks5h://s:1080")
        XCTAssertEqual(try proxy(["all_proxy": "socks5h://s:1080", "http_proxy": "http://h:1"], for: "http://r.example/"), "http://h:1")
        // The lower-case one wins, as curl reads them; an empty one counts as unset.
        XCTAssertEqual(try proxy(["https_proxy": "http://lower:1", "HTTPS_PROXY": "http://upper:1"], for: "https://r.example/"), "http://lower:1")
        XCTAssertEqual(try proxy(["https_proxy": "", "HTTPS_PROXY": "http://upper:1"], for: "https://r.example/"), "http://upper:1")
        XCTAssertNil(try proxy([:], for: "https://r.example/"))
    }

    func testCapitalHTTPProxyIsIgnoredUnderCGI() throws {
        XCTAssertNil(try proxy(["HTTP_PROXY": "http://from-a-header:1", "REQUEST_METHOD": "GET"], for: "http://r.example/"))
        XCTAssertEqual(try proxy(["http_proxy": "http://h:1", "REQUEST_METHOD": "GET"], for: "http://r.example/"), "http://h:1")
    }

    func testTheFlagReplacesTheEnvironmentButNoProxyStillApplies() throws {
        let environment = ["HTTPS_PROXY": "http://env:1", "NO_PROXY": "internal.example"]
        XCTAssertEqual(try proxy(environment, flag: "http://u:p@flag:3128", for: "https://r.example/"), "http://u:p@flag:3128")
        XCTAssertEqual(try proxy(environment, flag: "flag:3128", for: "http://r.example/"), "http://flag:3128")
        XCTAssertNil(try proxy(environment, flag: "http://flag:3128", for: "https://mirror.internal.example/"))
        XCTAssertNil(try proxy(environment, flag: "", for: "https://r.example/"), "an empty --proxy means none")
    }

    func testAProxyURLModelgetCannotUseIsAUsageErrorWithoutItsPassword() {
        XCTAssertThrowsError(try ProxySettings(environment: ["HTTPS_PROXY": "ftp://user:hunter2@p:21"])) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains("HTTPS_PROXY"), text)
            XCTAssertFalse(text.contains("hunter2"), text)
        }
        XCTAssertThrowsError(try ProxySettings(environment: [:], proxy: "http://"))
    }

    func testNoProxyMatchesNamesAndTheirSubdomainsOnly() {
        let list = NoProxyList("example.com, .corp.example ,localhost")
        XCTAssertTrue(list.bypasses("example.com"))
        XCTAssertTrue(list.bypasses("WWW.Example.com"))
        XCTAssertTrue(list.bypasses("example.com."))
        XCTAssertFalse(list.bypasses("badexample.com"))
        XCTAssertTrue(list.bypasses("corp.example"), "a leading dot matches the name itself too, as in curl")
        XCTAssertTrue(list.bypasses("registry.corp.example"))
        XCTAssertTrue(list.bypasses("localhost"))
        XCTAssertFalse(list.bypasses("127.0.0.1"), "curl does not treat loopback addresses specially")
        XCTAssertTrue(NoProxyList("*").bypasses("anything.example"))
        XCTAssertFalse(NoProxyList("").bypasses("example.com"))
        XCTAssertFalse(NoProxyList("*.example.com").bypasses("a.example.com"), "curl has no wildcard patterns but '*' alone")
    }

    func testNoProxyMatchesAddressesAndCIDRBlocks() {
        let list = NoProxyList("10.0.0.0/8 192.168.1.7,fd00::/8, ::1")
        XCTAssertTrue(list.bypasses("10.20.30.40"))
        XCTAssertFalse(list.bypasses("11.0.0.1"))
        XCTAssertTrue(list.bypasses("192.168.1.7"))
        XCTAssertFalse(list.bypasses("192.168.1.8"))
        XCTAssertTrue(list.bypasses("fd12:3456::1"))
        XCTAssertTrue(list.bypasses("[::1]"))
        XCTAssertTrue(list.bypasses("0:0:0:0:0:0:0:1"), "addresses compare as addresses, not text")
        XCTAssertFalse(list.bypasses("fe80::1"))
        XCTAssertFalse(list.bypasses("10.example.com"), "a block matches addresses, not names")
        XCTAssertTrue(NoProxyList("127.0.0.1/32").bypasses("127.0.0.1"))
        XCTAssertFalse(NoProxyList("127.0.0.0/33").bypasses("127.0.0.1"), "an impossible block matches nothing")
        XCTAssertTrue(NoProxyList("0.0.0.0/0").bypasses("203.0.113.9"))
    }
}
