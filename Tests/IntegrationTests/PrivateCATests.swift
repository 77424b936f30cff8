import Foundation
import ModelGet
import TestSupport
import XCTest

/// A real docker-registry behind Debian's nginx with a certificate from a
/// private CA, and behind one that also requires a client certificate:
/// untrusted, the pull fails at once with one line naming every way to
/// trust the CA; trusted through `--cacert`, `SSL_CERT_FILE` or a
/// per-host `certs.d` directory (where the client certificate pair lives
/// too), pulls and pushes work.
final class PrivateCATests: XCTestCase {
    private var harness: CLIHarness!
    private var registry: RegistryProcess!
    private var ca: PrivateCA!
    private var model: GeneratedModel!

    override func setUpWithError() throws {
        harness = try CLIHarness()
        registry = try RegistryProcess()
        ca = try PrivateCA()
        model = try CLIHarness.seed(registry, "library/tiny", tag: "v1", sizes: [600_000], seed: 31, in: harness.scratch)
    }

    override func tearDown() {
        registry.stop()
        registry = nil
        try? FileManager.default.removeItem(at: ca.directory)
        harness.cleanUp()
    }

    /// No proxy, no Docker credentials, `HOME` in the scratch directory (so
    /// `~/.config/containers/certs.d` is the test's own).
    private func environment(_ variables: [String: String] = [:]) -> [String: String] {
        harness.isolatedEnvironment(variables)
    }

    /// `~/.config/containers/certs.d/127.0.0.1:PORT/` holding `files` (name → source).
    private func certsDirectory(port: Int, _ files: [String: URL]) throws {
        let directory = harness.scratch.appendingPathComponent(".config/containers/certs.d/127.0.0.1:\(port)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for (name, source) in files {
            try FileManager.default.copyItem(at: source, to: directory.appendingPathComponent(name))
        }
    }

    private func assertPulled(_ run: (status: Int32, out: Data, err: String), file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(run.status, 0, run.err, file: file, line: line)
        harness.assertBlobsVerified(model, file: file, line: line)
    }

    func testAnUntrustedCertificateFailsAtOnceNamingEachWayToTrustItsCA() throws {
        let front = try NginxTLSFront(registryPort: registry.port, ca: ca)
        defer { front.stop() }
        let started = Date()
        let run = try harness.run(["pull", "127.0.0.1:\(front.port)/library/tiny:v1"], environment: environment())
        XCTAssertEqual(run.status, 1)
        XCTAssertLessThan(Date().timeIntervalSince(started), 10, "not retried: trusting comes from the user")
        let lines = run.err.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, run.err)
        for way in ["--cacert", "SSL_CERT_FILE", "certs.d/127.0.0.1:\(front.port)/ca.crt", "--insecure"] {
            XCTAssertTrue(run.err.contains(way), "\(way): \(run.err)")
        }
    }

    func testTheCACanBeTrustedWithCacertSSLCertFileOrCertsD() throws {
        let front = try NginxTLSFront(registryPort: registry.port, ca: ca)
        defer { front.stop() }
        let reference = "127.0.0.1:\(front.port)/library/tiny:v1"

        assertPulled(try harness.run(["pull", reference, "--cacert", ca.certificate.path], environment: environment()))

        let second = try CLIHarness()
        defer { second.cleanUp() }
        let run = try second.run(["pull", reference], environment: environment(["SSL_CERT_FILE": ca.certificate.path]))
        XCTAssertEqual(run.status, 0, run.err)

        let third = try CLIHarness()
        defer { third.cleanUp() }
        try certsDirectory(port: front.port, ["ca.crt": ca.certificate])
        let fromCertsD = try third.run(["pull", reference], environment: environment())
        XCTAssertEqual(fromCertsD.status, 0, fromCertsD.err)
        // Pushes go the same way.
        let push = try third.run(["push", reference, "127.0.0.1:\(front.port)/team/copied:v2"], environment: environment())
        XCTAssertEqual(push.status, 0, push.err)
    }

    func testAMutualTLSRegistryGetsTheClientCertificatePairFromCertsD() throws {
        let front = try NginxTLSFront(registryPort: registry.port, ca: ca, requireClientCertificate: true)
        defer { front.stop() }
        let reference = "127.0.0.1:\(front.port)/library/tiny:v1"
        try certsDirectory(port: front.port, ["ca.crt": ca.certificate])
        let refused = try harness.run(["pull", reference], environment: environment())
        XCTAssertEqual(refused.status, 1)
        XCTAssertEqual(refused.err.split(separator: "\n").count, 1, refused.err)
        XCTAssertTrue(refused.err.contains("client certificate"), refused.err)
        XCTAssertTrue(refused.err.contains("certs.d/127.0.0.1:\(front.port)/client.cert"), refused.err)

        try certsDirectory(port: front.port, ["client.cert": ca.clientCertificate, "client.key": ca.clientKey])
        assertPulled(try harness.run(["pull", reference], environment: environment()))
        let push = try harness.run(["push", reference, "127.0.0.1:\(front.port)/team/copied:v2"], environment: environment())
        XCTAssertEqual(push.status, 0, push.err)
    }
}
