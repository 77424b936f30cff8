import ModelGet
import XCTest

/// Docker Hub and Docker Model Runner names.
final class DockerHubNameTests: XCTestCase {
    func testDockerHubAliasesAreOneRegistryReachedAtRegistry1() throws {
        for spelling in ["docker.io/ai/smollm2", "index.docker.io/ai/smollm2", "registry-1.docker.io/ai/smollm2:latest"] {
            let ref = try Reference(parsing: spelling)
            XCTAssertEqual(ref.description, "docker.io/ai/smollm2:latest", spelling)
            XCTAssertEqual(Reference.apiHost(ref.host), "registry-1.docker.io")
        }
        let client = try RegistryClient(host: "docker.io", insecure: false)
        XCTAssertEqual(client.baseURL.absoluteString, "https://registry-1.docker.io/")
    }

    func testOnePartNameOnDockerHubIsInLibrary() throws {
        let ref = try Reference(parsing: "docker.io/alpine:3.20")
        XCTAssertEqual(ref.repository, "library/alpine")
        XCTAssertEqual(ref.description, "docker.io/library/alpine:3.20")
    }

    func testOtherHostsAreKept() throws {
        XCTAssertEqual(Reference.apiHost("ghcr.io"), "ghcr.io")
        XCTAssertEqual(try Reference(parsing: "127.0.0.1:5000/ai/smollm2").host, "127.0.0.1:5000")
    }
}
