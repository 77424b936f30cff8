import Foundation
import ModelGet
import TestSupport
import XCTest

/// `--auth` with an htpasswd file `htpasswd -B` wrote, and `--tls-cert` /
/// `--tls-key` for HTTPS (blobs then go out in chunks, not by sendfile).
final class ServeAuthAndTLSTests: XCTestCase {
    private var fixture: ServeFixture!

    override func setUpWithError() throws {
        fixture = try ServeFixture()
    }

    override func tearDownWithError() throws {
        fixture?.cleanUp()
    }

    private func tool(_ executable: String, _ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "\(executable) \(arguments)")
    }

    func testBasicAuthFromHtpasswdBcrypt() throws {
        let file = fixture.work.appendingPathComponent("htpasswd")
        try tool("/usr/bin/htpasswd", ["-B", "-b", "-c", file.path, "alice", "s3cret pass"])
        XCTAssertTrue(try String(contentsOf: file, encoding: .utf8).hasPrefix("alice:$2y$"))
        let serve = try fixture.start(["--auth", file.path])
        defer { serve.stop() }
        let manifest = serve.baseURL + "/v2/library/tiny/manifests/latest"

        let anonymous = try Curl.get(manifest)
        XCTAssertEqual(anonymous.status, 401)
        XCTAssertEqual(anonymous.errorCode, "UNAUTHORIZED")
        XCTAssertEqual(anonymous.headers["www-authenticate"], "Basic realm=\"modelget\"")
        XCTAssertEqual(try Curl.get(manifest, ["-u", "alice:wrong"]).status, 401)
        XCTAssertEqual(try Curl.get(manifest, ["-u", "bob:s3cret pass"]).status, 401)
        XCTAssertEqual(try Curl.get(serve.baseURL + "/metrics").status, 401)
        let allowed = try Curl.get(manifest, ["-u", "alice:s3cret pass"])
        XCTAssertEqual(allowed.status, 200)
        XCTAssertEqual(allowed.body, fixture.tiny.manifest)
        // Again, from the remembered check.
        XCTAssertEqual(try Curl.get(manifest, ["-u", "alice:s3cret pass"]).status, 200)

        // ollama's redirect target needs no credentials (ollama sends none there).
        let blob = fixture.tiny.layers[1]
        let redirect = try Curl.get(serve.baseURL + "/v2/library/tiny/blobs/\(blob.digest)",
                                    ["-u", "alice:s3cret pass", "-A", "ollama/0.11.0"])
        XCTAssertEqual(redirect.status, 307)
        let signed = try Curl.get(serve.baseURL + (try XCTUnwrap(redirect.headers["location"])), ["-r", "0-9"])
        XCTAssertEqual(signed.status, 206)
        XCTAssertEqual(signed.body, try Data(contentsOf: blob.path)[0..<10])
        XCTAssertEqual(try Curl.get(serve.baseURL + "/v2/library/tiny/blobs/\(blob.digest)", ["-A", "ollama/0.11.0"]).status, 401,
                       "only with credentials does ollama get a link")
    }

    /// A changed htpasswd file takes effect at once and ends the signed
    /// links handed out before; a name the file lacks costs the same bcrypt
    /// check as a wrong password; ten failures from one address get it 429
    /// (even with the right password) while other addresses log in.
    func testHtpasswdChangesTimingAndFailedLoginLimit() throws {
        let file = fixture.work.appendingPathComponent("htpasswd")
        try tool("/usr/bin/htpasswd", ["-B", "-C", "11", "-b", "-c", file.path, "alice", "right"])
        let serve = try fixture.start(["--auth", file.path])
        defer { serve.stop() }
        let manifest = serve.baseURL + "/v2/library/tiny/manifests/latest"
        func get(_ url: String, from address: String, _ extra: [String] = []) throws -> CurlResult {
            try Curl.get(url, ["--interface", address] + extra)
        }

        // A signed link works until the file changes; the new user works at once.
        let blob = fixture.tiny.layers[1]
        let redirect = try get(serve.baseURL + "/v2/library/tiny/blobs/\(blob.digest)", from: "127.0.0.3",
                               ["-u", "alice:right", "-A", "ollama/0.11.0"])
        XCTAssertEqual(redirect.status, 307)
        let link = serve.baseURL + (try XCTUnwrap(redirect.headers["location"]))
        XCTAssertEqual(try get(link, from: "127.0.0.3").status, 200)
        XCTAssertEqual(try get(manifest, from: "127.0.0.3", ["-u", "bob:new"]).status, 401)
        try tool("/usr/bin/htpasswd", ["-B", "-C", "11", "-b", file.path, "bob", "new"])
        XCTAssertEqual(try get(link, from: "127.0.0.3").status, 401, "a link from before the change")
        XCTAssertEqual(try get(manifest, from: "127.0.0.3", ["-u", "bob:new"]).status, 200)
        XCTAssertEqual(try get(manifest, from: "127.0.0.3", ["-u", "alice:right"]).status, 200)

        // An unknown user is answered no faster than a wrong password (both a bcrypt check; before, 0.5 ms against ~100 ms).
        func seconds(_ user: String) throws -> Double {
            let started = Date()
            XCTAssertEqual(try get(manifest, from: "127.0.0.1", ["-u", "\(user):wrong"]).status, 401)
            return Date().timeIntervalSince(started)
        }
        let known = try (0..<3).map { _ in try seconds("alice") }.sorted()[1]
        let unknown = try (0..<3).map { _ in try seconds("mallory") }.sorted()[1]
        XCTAssertGreaterThan(unknown, known * 0.4, "unknown \(unknown) s, wrong password \(known) s")

        // Six failures so far from 127.0.0.1; four more, then it waits.
        for _ in 0..<4 { XCTAssertEqual(try get(manifest, from: "127.0.0.1", ["-u", "alice:guess"]).status, 401) }
        let blocked = try get(manifest, from: "127.0.0.1", ["-u", "alice:right"])
        XCTAssertEqual(blocked.status, 429)
        XCTAssertEqual(blocked.errorCode, "TOOMANYREQUESTS")
        XCTAssertNotNil(blocked.headers["retry-after"].flatMap(Int.init))
        XCTAssertEqual(try get(manifest, from: "127.0.0.2", ["-u", "alice:right"]).status, 200, "another address")
    }

    func testHTTPSWithCertificateAndKey() throws {
        let key = fixture.work.appendingPathComponent("key.pem"), certificate = fixture.work.appendingPathComponent("cert.pem")
        try tool("/usr/bin/openssl", ["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key.path, "-out", certificate.path,
                                      "-days", "1", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"])
        let serve = try fixture.start(["--tls-cert", certificate.path, "--tls-key", key.path], scheme: "https")
        defer { serve.stop() }
        let manifest = try Curl.get(serve.baseURL + "/v2/library/tiny/manifests/latest", ["--cacert", certificate.path])
        XCTAssertEqual(manifest.status, 200)
        XCTAssertEqual(manifest.body, fixture.tiny.manifest)
        let layer = fixture.tiny.layers[0]
        let whole = try Curl.get(serve.baseURL + "/v2/library/tiny/blobs/\(layer.digest)", ["--cacert", certificate.path])
        XCTAssertEqual(whole.status, 200)
        XCTAssertEqual("sha256:" + SHA256Hasher.hex(of: whole.body), layer.digest)
        let part = try Curl.get(serve.baseURL + "/v2/library/tiny/blobs/\(layer.digest)", ["--cacert", certificate.path, "-r", "5-2000004"])
        XCTAssertEqual(part.status, 206)
        XCTAssertEqual(part.body, try Data(contentsOf: layer.path)[5...2_000_004])
        XCTAssertNotEqual(try Curl.get("http://\(serve.host)/v2/").status, 200, "no plain HTTP on the TLS port")
    }
}
