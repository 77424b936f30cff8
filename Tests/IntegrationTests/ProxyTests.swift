import Foundation
import ModelGet
import TestSupport
import XCTest

/// Pulls through Debian's squid as a forward proxy, from a real
/// docker-registry behind nginx that answers blob GETs with a 307 to an
/// HTTPS CDN (HTTP/2, behind a relay that counts its connections). The
/// registry is named `registry.proxied.test`, a name only squid resolves,
/// so a pull that works went through the proxy; squid's access log shows
/// each request, and each CDN connection as a `CONNECT` tunnel.
final class ProxyTests: XCTestCase {
    private var harness: CLIHarness!
    private var registry: RegistryProcess!
    private var cdn: NginxCDN!
    private var model: GeneratedModel!

    override func setUpWithError() throws {
        harness = try CLIHarness()
        registry = try RegistryProcess()
        model = try CLIHarness.seed(registry, "library/tiny", tag: "v1", sizes: [1 << 20, 300_000], seed: 23, in: harness.scratch)
        cdn = try NginxCDN(registryPort: registry.port, storageRoot: registry.storageRoot)
    }

    override func tearDown() {
        cdn.stop()
        registry.stop()
        cdn = nil
        registry = nil
        harness.cleanUp()
    }

    private static let name = "registry.proxied.test"

    /// The environment of a run: no proxy variables but `variables`, no Docker credentials.
    private func environment(_ variables: [String: String]) -> [String: String] {
        harness.isolatedEnvironment(variables)
    }

    private func assertPulled(_ run: (status: Int32, out: Data, err: String), file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(run.status, 0, run.err, file: file, line: line)
        harness.assertBlobsVerified(model, file: file, line: line)
    }

    func testAPullThroughTheProxyTakesTheRegistryAndItsCDNThroughIt() throws {
        let squid = try SquidProxy(hosts: [Self.name: "127.0.0.1"])
        defer { squid.stop() }
        let run = try harness.run(["pull", "http://\(Self.name):\(cdn.frontPort)/library/tiny:v1", "--insecure"],
                                  environment: environment(["HTTPS_PROXY": squid.url(), "HTTP_PROXY": squid.url()]))
        assertPulled(run)
        let log = squid.accessLog
        let registryRequests = log.filter { $0.url.hasPrefix("http://\(Self.name):\(cdn.frontPort)/v2/") }
        XCTAssertTrue(registryRequests.contains { $0.url.contains("/manifests/v1") }, "\(log)")
        // Each CDN connection is a tunnel the proxy opened: as many as the CDN's relay accepted.
        let tunnels = log.filter { $0.method == "CONNECT" && $0.url == "127.0.0.1:\(cdn.relay.port)" }
        XCTAssertGreaterThan(cdn.relay.connectionsAccepted, 0)
        XCTAssertEqual(tunnels.count, cdn.relay.connectionsAccepted, "\(log)")
        XCTAssertEqual(log.count, registryRequests.count + tunnels.count, "nothing else went through: \(log)")
    }

    func testAProxyWithBasicAuthTakesTheCredentialsOfItsURLAndNeverPrintsThem() throws {
        let squid = try SquidProxy(user: ("fleet", "s3cret-pw"), hosts: [Self.name: "127.0.0.1"])
        defer { squid.stop() }
        let reference = "http://\(Self.name):\(cdn.frontPort)/library/tiny:v1"
        let nowhere = try harness.run(["pull", reference, "--insecure", "--proxy", "http://fleet:s3cret-pw@127.0.0.1:9"],
                                      environment: environment([:]))
        XCTAssertEqual(nowhere.status, 1)
        XCTAssertTrue(nowhere.err.contains("could not connect to the proxy http://127.0.0.1:9"), nowhere.err)
        XCTAssertFalse(nowhere.err.contains("s3cret-pw"), nowhere.err)
        let refused = try harness.run(["pull", reference, "--insecure", "--proxy", squid.url(user: "fleet", password: "wrong-pw")],
                                      environment: environment([:]))
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.err.contains("407"), refused.err)
        XCTAssertFalse(refused.err.contains("wrong-pw"), refused.err)
        XCTAssertEqual(refused.err.split(separator: "\n").count, 1, refused.err)

        // --proxy replaces the environment's proxy (here one that does not exist).
        let run = try harness.run(["pull", reference, "--insecure", "--proxy", squid.url(user: "fleet", password: "s3cret-pw")],
                                  environment: environment(["https_proxy": "http://127.0.0.1:9", "http_proxy": "http://127.0.0.1:9"]))
        assertPulled(run)
        XCTAssertFalse(run.err.contains("s3cret-pw"))
        let served = squid.accessLog.filter { !$0.result.contains("/407") }
        XCTAssertFalse(served.isEmpty)
        XCTAssertTrue(served.allSatisfy { $0.user == "fleet" }, "\(served)")
    }

    func testNoProxyBypassesTheProxyForAddressesInItsBlocks() throws {
        let squid = try SquidProxy(hosts: [Self.name: "127.0.0.1"])
        defer { squid.stop() }
        // The registry by name goes through the proxy; its CDN, an address in NO_PROXY's block, does not.
        let split = try harness.run(["pull", "http://\(Self.name):\(cdn.frontPort)/library/tiny:v1", "--insecure"],
                                    environment: environment(["https_proxy": squid.url(), "http_proxy": squid.url(),
                                                              "NO_PROXY": "localhost, 127.0.0.0/8"]))
        assertPulled(split)
        XCTAssertFalse(squid.accessLog.isEmpty)
        XCTAssertFalse(squid.accessLog.contains { $0.method == "CONNECT" }, "\(squid.accessLog)")
        XCTAssertGreaterThan(cdn.relay.connectionsAccepted, 0)

        // A registry named by an address in the block: nothing goes through the proxy.
        let before = squid.accessLog.count
        let direct = try CLIHarness()
        defer { direct.cleanUp() }
        let run = try direct.run(["pull", "http://\(cdn.host)/library/tiny:v1", "--insecure"],
                                 environment: environment(["HTTPS_PROXY": squid.url(), "HTTP_PROXY": squid.url(), "no_proxy": "10.0.0.0/8,127.0.0.1/32"]))
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertEqual(squid.accessLog.count, before, "\(squid.accessLog)")
    }
}
