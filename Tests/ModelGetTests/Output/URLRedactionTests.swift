import XCTest
@testable import ModelGet

final class URLRedactionTests: XCTestCase {
    func testSignedLinksAndUserinfoAreStripped() {
        XCTAssertEqual(URLRedaction.redact("https://cdn.example/b/sha256-ab?X-Amz-Credential=AKIA%2F1&X-Amz-Signature=deadbeef#x"),
                       "https://cdn.example/b/sha256-ab")
        XCTAssertEqual(URLRedaction.redact("https://hf.co/x?__sign=eyJ"), "https://hf.co/x")
        XCTAssertEqual(URLRedaction.redact("http://carol:s3cret@127.0.0.1:5000/v2/"), "http://127.0.0.1:5000/v2/")
        XCTAssertEqual(URLRedaction.redact("http://carol:pa?ss#w@host/x?q=1"), "http://host/x", "a raw ? in a password")
        XCTAssertEqual(URLRedaction.redact("https://user@host"), "https://host")
    }

    func testEveryURLInAMessageIsRedacted() {
        let text = "GET https://u:pw@cdn.example/a?X-Amz-Signature=SIG failed, \"see http://h/b?token=T\" or ftp://x/y"
        let redacted = URLRedaction.redactURLs(in: text)
        XCTAssertEqual(redacted, "GET https://cdn.example/a failed, \"see http://h/b\" or ftp://x/y")
        for secret in ["pw", "SIG", "token=T"] { XCTAssertFalse(redacted.contains(secret), secret) }
        let error = ModelGetError.network(url: "https://u:pw@cdn.example/a?X-Amz-Signature=SIG", reason: "Couldn't connect")
        XCTAssertEqual(error.description, "https://cdn.example/a: Couldn't connect")
    }
}
