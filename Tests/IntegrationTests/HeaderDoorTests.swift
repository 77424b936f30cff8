import Foundation
import ModelGet
import TestSupport
import XCTest

/// The libcurl engine is the one door headers go through: whatever wrote
/// a header, a CR, LF or NUL in it (or a name that is no token) stops the
/// request before a byte is sent; and a server's `Location`, upload
/// location or auth challenge holding one never becomes the next request.
final class HeaderDoorTests: XCTestCase {
    private let server = try! LoopbackHTTPServer { request in
        switch request.path {
        case "/v2/team/x/blobs/uploads/":
            // A bare CR inside the upload location, then a DELETE.
            return TestHTTPResponse(status: 202, headers: ["Location": "/v2/team/x/blobs/uploads/1\rDELETE /v2/team/y HTTP/1.1"])
        case "/v2/team/x/tags/list":
            return TestHTTPResponse(status: 401, headers: ["WWW-Authenticate": "Bearer realm=\"http://127.0.0.1:1/token\rX: y\",service=\"r\""])
        default:
            return TestHTTPResponse(status: 200)
        }
    }

    override func tearDown() { server.stop() }

    func testAHeaderValueWithALineBreakIsNeverSent() async throws {
        let smuggling = "\(MediaType.dockerManifest)\r\nContent-Length: 0\r\n\r\nDELETE /v2/team/y/manifests/latest HTTP/1.1\r\nX: "
        for (name, value) in [("Content-Type", smuggling), ("Content-Type", "a\nb"), ("X-Nul", "a\u{0}b"), ("X-Evil: 1\r\nX-More", "v"),
                              ("Bad Name", "v")] {
            let request = HTTPRequest(method: .put, url: server.baseURL.appendingPathComponent("v2/team/x/manifests/latest"),
                                      headers: [name: value], body: .data(Data("{}".utf8)))
            do {
                _ = try await CurlEngine.shared.send(request)
                XCTFail("sent a request with header \(name.debugDescription): \(value.debugDescription)")
            } catch let error as ModelGetError {
                guard case .malformedRequest = error else { return XCTFail("\(error)") }
                XCTAssertTrue(error.description.hasPrefix("refusing to send a request to http://127.0.0.1:"), error.description)
                XCTAssertFalse(error.description.contains("\n") || error.description.contains("\r"), error.description)
            }
        }
        XCTAssertEqual(server.requests.count, 0, "nothing reached the server")

        // The same engine still sends a clean request, with a tab in a value.
        let clean = HTTPRequest(method: .get, url: server.baseURL.appendingPathComponent("v2/"), headers: ["X-Tab": "a\tb"])
        let response = try await CurlEngine.shared.send(clean)
        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(server.requests.map(\.path), ["/v2/"])
    }

    func testAnUploadLocationWithACarriageReturnEndsThePush() async throws {
        let client = try RegistryClient(host: "127.0.0.1:\(server.port)", scheme: "http", insecure: true,
                                        credentials: CredentialStore(environment: [:]))
        do {
            _ = try await client.startUpload(repository: "team/x", scopes: [])
            XCTFail("an upload session at a location with a CR")
        } catch let error as ModelGetError {
            guard case .malformedServerHeader(_, "Location") = error else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(server.requests.map(\.method), ["POST"], "no request went to the location")
    }

    func testAChallengeWithACarriageReturnAsksNoTokenService() async throws {
        let client = try RegistryClient(host: "127.0.0.1:\(server.port)", scheme: "http", insecure: true,
                                        credentials: CredentialStore(environment: [:]))
        do {
            _ = try await client.listTags(repository: "team/x")
            XCTFail("a token asked from a realm with a CR")
        } catch let error as ModelGetError {
            guard case .malformedServerHeader(_, "WWW-Authenticate") = error else { return XCTFail("\(error)") }
            XCTAssertTrue(error.description.contains("refusing the WWW-Authenticate header"), error.description)
        }
        XCTAssertEqual(server.requests.map(\.path), ["/v2/team/x/tags/list"])
    }
}
