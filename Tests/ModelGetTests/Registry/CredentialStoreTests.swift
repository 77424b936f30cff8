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

/// The files of docker and podman, read in podman's order, and the
/// missing-credentials search described place by place.
final class CredentialFilesTests: XCTestCase {
    func testAuthJSONComesBeforeDockersConfigAndTheSearchIsDescribed() throws {
        let home = FileManager.default.temporaryDirectory.appendingPathComponent("creds-\(UUID())")
        defer { try? FileManager.default.removeItem(at: home) }
        try FileManager.default.createDirectory(at: home.appendingPathComponent(".config/containers"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: home.appendingPathComponent(".docker"), withIntermediateDirectories: true)
        func auth(_ text: String) -> String { Data(text.utf8).base64EncodedString() }
        try Data(#"{"auths":{"reg.example/team":{"auth":"\#(auth("podman:pw"))"}}}"#.utf8)
            .write(to: home.appendingPathComponent(".config/containers/auth.json"))
        try Data(#"{"auths":{"reg.example":{"auth":"\#(auth("docker:pw"))"},"other.example":{"auth":"\#(auth("d2:pw"))"}}}"#.utf8)
            .write(to: home.appendingPathComponent(".docker/config.json"))
        let store = CredentialStore(environment: ["HOME": home.path])
        XCTAssertEqual(store.credentials(for: "reg.example")?.username, "podman", "podman's file first, a path-scoped key counts for its host")
        XCTAssertEqual(store.credentials(for: "other.example")?.username, "d2")
        XCTAssertNil(store.credentials(for: "none.example"))
        XCTAssertEqual(store.searched(for: "none.example"),
                       "$MODELGET_USERNAME (unset), $REGISTRY_AUTH_FILE (unset), ~/.config/containers/auth.json (no entry for none.example), "
                       + "~/.docker/config.json (no entry for none.example)")
    }

    func testLinkHeadersGiveTheNextPage() throws {
        let base = URL(string: "https://reg.example/v2/a/b/tags/list")!
        XCTAssertEqual(RegistryClient.nextLink(in: #"</v2/a/b/tags/list?last=x&n=2>; rel="next""#, relativeTo: base)?.absoluteString,
                       "https://reg.example/v2/a/b/tags/list?last=x&n=2")
        XCTAssertNil(RegistryClient.nextLink(in: #"</v2/a/b/tags/list?last=x>; rel="prev""#, relativeTo: base))
    }
}
