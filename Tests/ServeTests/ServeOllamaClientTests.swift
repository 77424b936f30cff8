import Foundation
import TestSupport
import XCTest

/// ollama as a client: its blob download (a Go double of
/// server/download.go, built with Debian's Go) needs a 307 or a 200 with a
/// Location; OCI clients still get plain 200 with the bytes.
final class ServeOllamaClientTests: ServingTestCase {
    func testOllamaDownloadDoubleFetchesEveryPartThroughTheRedirect() throws {
        let double = try OllamaDownloadDouble(buildingIn: fixture.work)
        for (name, blob, minPart) in [("library/tiny", fixture.tiny.layers[0], Int64(700_000)), ("team/mixedcase", fixture.mixed.layers[0], 100_000_000),
                                      ("tiny", fixture.tiny.layers[2], 1)] {
            let output = fixture.work.appendingPathComponent("out-\(blob.hexDigest)")
            let result = try double.download(registry: serve.baseURL, name: name, digest: blob.digest, to: output, minimumPart: minPart)
            XCTAssertEqual(result.status, 0, "\(name): \(result.output)")
            XCTAssertEqual(result.output, "ok \(blob.size)\n")
            XCTAssertEqual(try ServeFixture.sha256(of: output), blob.digest)
        }
        // The redirect was taken: a 307 for the ollama GET, then 206s on the signed link.
        XCTAssertTrue(serve.logContains("GET /v2/library/tiny/blobs/\(fixture.tiny.layers[0].digest) 307 0 "), serve.stderr)
        XCTAssertTrue(serve.logContains("GET /v2/library/tiny/blobs/\(fixture.tiny.layers[0].digest) 206 700000 "), serve.stderr)
    }

    func testOllamaGets307ToASignedLinkAndOtherClientsGet200() throws {
        let blob = fixture.tiny.layers[1]
        let target = serve.baseURL + "/v2/library/tiny/blobs/\(blob.digest)"
        let ollama = try Curl.get(target, ["-A", "ollama/0.11.0 (amd64 linux) Go/go1.24"])
        XCTAssertEqual(ollama.status, 307)
        let location = try XCTUnwrap(ollama.headers["location"])
        XCTAssertTrue(location.hasPrefix("/v2/library/tiny/blobs/\(blob.digest)?expires="), location)
        XCTAssertTrue(location.contains("&signature="), location)

        for agent in ["containers/5.0 (github.com/containers/image)", "oras-py", "curl/7.88"] {
            let other = try Curl.get(target, ["-A", agent])
            XCTAssertEqual(other.status, 200, agent)
            XCTAssertEqual(other.body, try Data(contentsOf: blob.path), agent)
        }
        let signed = try Curl.get(serve.baseURL + location)
        XCTAssertEqual(signed.status, 200)
        XCTAssertEqual(signed.headers["location"], location, "ollama reads the part URL from the final answer")
        XCTAssertEqual(signed.body, try Data(contentsOf: blob.path))

        let forged = try Curl.get(serve.baseURL + location.replacingOccurrences(of: "signature=", with: "signature=0"))
        XCTAssertEqual(forged.status, 200, "a bad signature is just an ordinary request")
        XCTAssertNil(forged.headers["location"])
    }
}
