import Foundation
@testable import ModelGet
import XCTest

/// `--debug` lines say what was asked and answered, and never a secret.
final class HTTPTraceTests: XCTestCase {
    func testRequestLinesKeepTheSchemeOfCredentialsAndDropSignedQueries() throws {
        var request = HTTPRequest(url: URL(string: "https://user:pw@cdn.example/blob?X-Amz-Signature=SECRET&__sign=S2#frag")!)
        request.headers.set("Authorization", "Bearer eyJSECRETTOKEN")
        request.range = (0, 1023)
        XCTAssertEqual(HTTPTrace.requestLine(request),
                       "> GET https://cdn.example/blob Range: bytes=0-1023 Authorization: Bearer (redacted)")
        request.headers.set("Authorization", "AAAAC3NzaC1lZDI1NTE5AAAAIKEY:c2lnbmF0dXJl")
        XCTAssertTrue(HTTPTrace.requestLine(request).hasSuffix("Authorization: (redacted)"), "an ollama key signature shows nothing")
    }

    func testResponseLinesShowWhereARedirectGoesWithoutItsSignature() throws {
        var headers = HTTPHeaders()
        headers.set("Location", "https://cdn.example/x?X-Amz-Credential=AKIA&X-Amz-Signature=SIG")
        headers.set("Content-Length", "0")
        let response = HTTPResponse(status: 307, headers: headers, body: Data(), url: URL(string: "https://reg.example/v2/a/b/blobs/sha256:1")!)
        let line = HTTPTrace.responseLine(response, method: .get)
        XCTAssertEqual(line, "< 307 GET https://reg.example/v2/a/b/blobs/sha256:1 Content-Length: 0 Location: https://cdn.example/x")
    }
}
