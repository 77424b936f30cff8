import Foundation
import ModelGet
import TestSupport
import XCTest

/// An IPv6-only network: a real docker-registry listening on `::1` alone,
/// reached by a name that resolves only to `::1` (Debian's
/// `ip6-localhost`); `modelget serve` listening on `[::]`, pulled from by
/// the same name.
final class IPv6RegistryTests: XCTestCase {
    private var harness: CLIHarness!

    override func setUpWithError() throws {
        harness = try CLIHarness()
    }

    override func tearDown() { harness.cleanUp() }

    private func environment() -> [String: String] { harness.isolatedEnvironment() }

    func testPullPushAndServeOverANameThatResolvesOnlyToTheIPv6Loopback() throws {
        guard let name = IPv6Loopback.name else { throw XCTSkip("no name resolves only to ::1 and /etc/hosts cannot be changed") }
        let registry = try RegistryProcess(address: "::1")
        defer { registry.stop() }
        let model = try CLIHarness.seed(registry, "library/tiny", tag: "v1", sizes: [700_000, 1_000], seed: 61, in: harness.scratch)
        let host = "\(name):\(registry.port)"

        // Stored as registry.ollama.ai/library/tiny:v1, which serve (below) serves as library/tiny.
        let pull = try harness.run(["pull", "http://\(host)/library/tiny:v1", "--insecure", "--as", "tiny:v1"], environment: environment())
        XCTAssertEqual(pull.status, 0, pull.err)
        harness.assertBlobsVerified(model)
        let push = try harness.run(["push", "tiny:v1", "http://\(host)/team/copied:v2", "--insecure"],
                                   environment: environment())
        XCTAssertEqual(push.status, 0, push.err)
        let check = try CLIHarness()
        defer { check.cleanUp() }
        let pulledBack = try check.run(["pull", "http://\(host)/team/copied:v2", "--insecure"], environment: environment())
        XCTAssertEqual(pulledBack.status, 0, pulledBack.err)

        // serve on [::] answers on ::1, by the same name.
        let serve = try ServeLauncher(models: harness.models, listen: "[::]:0")
        defer { serve.stop() }
        let port = serve.port
        let fromServe = try CLIHarness()
        defer { fromServe.cleanUp() }
        let served = try fromServe.run(["pull", "http://\(name):\(port)/library/tiny:v1", "--insecure"], environment: environment())
        XCTAssertEqual(served.status, 0, served.err)
        XCTAssertNotNil(FileManager.default.contents(atPath: fromServe.blobPath(model.layers[0].digest)))
    }
}
