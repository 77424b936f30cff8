import Foundation
@testable import ModelGet
import XCTest

/// The User-Agent a request carries and how a refusal's text is shown.
final class UserAgentTests: XCTestCase {
    func testTheOverrideReplacesTheDefaultUnlessBlankAndCannotSplitTheHeader() {
        let standard = UserAgent.value(environment: [:])
        XCTAssertTrue(standard.hasPrefix("modelget/\(UserAgent.version) (linux "), standard)
        XCTAssertEqual(UserAgent.value(environment: ["MODELGET_USER_AGENT": "  "]), standard)
        XCTAssertEqual(UserAgent.value(environment: ["MODELGET_USER_AGENT": "ollama/0.30.0\r\nX-Evil: 1"]), "ollama/0.30.0X-Evil: 1")
    }

    func testEveryRequestGetsTheAgentUnlessItNamesOne() {
        let url = URL(string: "http://127.0.0.1/v2/")!
        XCTAssertEqual(HTTPRequest(url: url).headers.values("User-Agent"), [UserAgent.current])
        XCTAssertEqual(HTTPRequest(url: url, headers: ["user-agent": "mine"]).headers.values("User-Agent"), ["mine"])
    }

    func testARefusalIsOneLineAndA412SaysWhatItUsuallyMeans() {
        let body = "\n\nThe model you are attempting to pull requires a newer version of Ollama.\n\n\thttps://ollama.com/download\n\n"
        let response = HTTPResponse(status: 412, headers: HTTPHeaders(), body: Data(body.utf8), url: URL(string: "https://r.example/v2/x/m/manifests/9b?sig=1")!)
        let text = RegistryErrorBody.error(for: response, url: response.url).description
        XCTAssertFalse(text.contains("\n") || text.contains("\t") || text.contains("sig=1"), text)
        XCTAssertTrue(text.hasPrefix("https://r.example/v2/x/m/manifests/9b: HTTP 412: The model you are attempting to pull requires a newer version of Ollama. https://ollama.com/download (412: "), text)
        XCTAssertTrue(text.contains("MODELGET_USER_AGENT"), text)
        let long = RegistryErrorBody.oneLine(String(repeating: "word ", count: 200))
        XCTAssertEqual(long.count, 301)
    }
}
