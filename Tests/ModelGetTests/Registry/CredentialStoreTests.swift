import XCTest
@testable import ModelGet

final class CredentialStoreTests: XCTestCase {
    func testEnvironmentWins() {
        let store = CredentialStore(environment: ["MODELGET_USERNAME": "u", "MODELGET_PASSWORD": "p", "DOCKER_CONFIG": "/nonexistent"])
        XCTAssertEqual(store.credentials(for: "any.host"), Credentials(username: "u", password: "p"))
    }

    func testDockerConfigAuthsByHost() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("creds-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let auth = Data("alice:s3cr:et".utf8).base64EncodedString()
        let hub = Data("bob:pw".utf8).base64EncodedString()
        let json = #"{"auths":{"https://reg.example:5000/v1/":{"auth":"\#(auth)"},"https://index.docker.io/v1/":{"auth":"\#(hub)"}}}"#
        try Data(json.utf8).write(to: dir.appendingPathComponent("config.json"))
        let store = CredentialStore(environment: ["DOCKER_CONFIG": dir.path])
        XCTAssertEqual(store.credentials(for: "reg.example:5000"), Credentials(username: "alice", password: "s3cr:et"))
        XCTAssertEqual(store.credentials(for: "docker.io"), Credentials(username: "bob", password: "pw"))
        XCTAssertNil(store.credentials(for: "reg.example"))
    }

    func testBasicHeader() {
        XCTAssertEqual(Credentials(username: "a", password: "b").basicAuthorization, "Basic YTpi")
    }
}
