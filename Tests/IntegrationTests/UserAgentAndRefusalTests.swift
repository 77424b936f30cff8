import Foundation
import ModelGet
import TestSupport
import XCTest

/// Every request names modelget in its `User-Agent` (registry, token realm
/// and CDN alike), `MODELGET_USER_AGENT` replaces it, and a registry that
/// refuses with a message (registry.ollama.ai's 412) is reported on one
/// line. A loopback registry front plays registry.ollama.ai, which keys its
/// 412 on the client's `User-Agent`; no real program does that here.
final class UserAgentAndRefusalTests: XCTestCase {
    /// registry.ollama.ai's answer to an ollama too old for a model, as sent.
    static let newerVersionText = "\n\nThe model you are attempting to pull requires a newer version of Ollama.\n\nPlease download the latest version at:\n\n\thttps://ollama.com/download\n\n"

    func testEveryRequestCarriesTheUserAgentAndTheOverrideReplacesIt() throws {
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        let model = try ModelSeeder.ollamaModel(layerSizes: [200_000, 3_000], seed: 21, in: cli.scratch.appendingPathComponent("seed"))
        let cdn = try LoopbackHTTPServer.serving(blobsOf: model, address: "127.0.0.2")
        let cdnBase = cdn.baseURL
        let front = try LoopbackHTTPServer(address: "127.0.0.1") { request in
            if request.path.hasSuffix("/manifests/latest") {
                return TestHTTPResponse(status: 200, headers: ["Content-Type": "text/plain"], body: model.manifest)
            }
            if let range = request.path.range(of: "/blobs/") {
                return TestHTTPResponse(status: 307, headers: ["Location": cdnBase.absoluteString + "/cdn/" + request.path[range.upperBound...]])
            }
            return TestHTTPResponse(status: 404)
        }

        let expected = "modelget/\(UserAgent.version) (linux \(Self.goArchitecture))"
        XCTAssertEqual(try cli.run(["pull", "http://127.0.0.1:\(front.port)/library/ua", "--insecure"]).status, 0)
        XCTAssertFalse(front.requests.isEmpty)
        XCTAssertFalse(cdn.requests.isEmpty)
        for request in front.requests + cdn.requests {
            XCTAssertEqual(request.headers.values("User-Agent"), [expected], "\(request.method) \(request.target)")
        }

        let custom = "ollama/0.30.0 (arm64 darwin) Go/go1.24.1"
        let run = try cli.run(["show", "--remote", "http://127.0.0.1:\(front.port)/library/ua", "--insecure"],
                              environment: ["MODELGET_USER_AGENT": custom])
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertEqual(front.requests.last?.headers.values("User-Agent"), [custom])
    }

    func testA412RefusalIsOneLineWithTheRegistrysMessageAndWhatItMeans() throws {
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        let front = try LoopbackHTTPServer(address: "127.0.0.1") { request in
            if request.path.hasSuffix("/manifests/9b") {
                return TestHTTPResponse(status: 412, headers: ["Content-Type": "text/plain"], body: Data(Self.newerVersionText.utf8))
            }
            if request.path.hasSuffix("/manifests/mlx") {
                return TestHTTPResponse(status: 412, body: Data("this model requires macOS\n".utf8))
            }
            return TestHTTPResponse(status: 404)
        }

        let run = try cli.run(["pull", "http://127.0.0.1:\(front.port)/x/flux2-klein:9b", "--insecure"])
        XCTAssertEqual(run.status, 1)
        let lines = run.err.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, run.err)
        let line = String(lines.first ?? "")
        XCTAssertTrue(line.contains("HTTP 412"), line)
        XCTAssertTrue(line.contains("The model you are attempting to pull requires a newer version of Ollama. Please download the latest version at: https://ollama.com/download"), line)
        XCTAssertTrue(line.contains("MODELGET_USER_AGENT"), line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: cli.models.path + "/manifests/127.0.0.1:\(front.port)/x/flux2-klein/9b"))

        let mlx = try cli.run(["show", "--remote", "http://127.0.0.1:\(front.port)/library/qwen:mlx", "--insecure"])
        XCTAssertEqual(mlx.status, 1)
        XCTAssertEqual(mlx.err.split(separator: "\n").count, 1, mlx.err)
        XCTAssertTrue(mlx.err.contains("HTTP 412: this model requires macOS (412: "), mlx.err)
    }

    /// Go's name for this machine's architecture, as the default agent spells it.
    private static var goArchitecture: String {
        #if arch(x86_64)
        return "amd64"
        #else
        return "arm64"
        #endif
    }
}
