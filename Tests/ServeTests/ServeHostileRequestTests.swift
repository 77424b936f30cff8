import Foundation
import ModelGet
import TestSupport
import XCTest

/// Requests meant to escape the store or wear serve down: traversal
/// (plain and percent-encoded), symbolic links out of the store, absurd
/// ranges, odd digests, and 10,000 idle connections.
final class ServeHostileRequestTests: XCTestCase {
    private var fixture: ServeFixture!
    private var serve: ServeProcess!
    private var secret: URL!

    override func setUpWithError() throws {
        fixture = try ServeFixture()
        // A file outside the store that every escape would reach.
        secret = fixture.work.appendingPathComponent("outside/latest")
        try FileManager.default.createDirectory(at: secret.deletingLastPathComponent(), withIntermediateDirectories: true)
        try fixture.tiny.manifest.write(to: secret)
        serve = try fixture.start()
    }

    override func tearDownWithError() throws {
        serve?.stop()
        fixture?.cleanUp()
    }

    private func url(_ path: String) -> String { serve.baseURL + path }

    func testTraversalPlainAndEncodedIsRefusedWithoutTouchingFiles() throws {
        let paths = [
            "/v2/../../../etc/passwd/manifests/latest",
            "/v2/library/../../../../etc/manifests/passwd",
            "/v2/library/%2e%2e/manifests/latest",
            "/v2/%2e%2e%2f%2e%2e%2foutside/x/manifests/latest",
            "/v2/library/tiny/manifests/..%2f..%2f..%2foutside%2flatest",
            "/v2/library/tiny/manifests/%2e%2e",
            "/v2/library/tiny/blobs/sha256:..%2F..%2Fetc%2Fpasswd",
            "/v2/library/tiny/blobs/sha256-\(fixture.tiny.config.hexDigest)",
            "/v2/library/tiny%00/manifests/latest",
            "/v2/library/.hidden/manifests/latest",
            "/v2/a/b/c/d/manifests/latest",
            "/v2//manifests/latest",
        ]
        for path in paths {
            let response = try Curl.get(url(path))
            XCTAssertTrue([400, 404].contains(response.status), "\(path): \(response.status)")
            XCTAssertFalse(response.body.contains(fixture.tiny.manifest), path)
            XCTAssertFalse(response.text.contains(fixture.work.path), "\(path): no file path in the error: \(response.text)")
        }
        XCTAssertTrue(serve.isRunning)
    }

    func testSymbolicLinksOutOfTheStoreAreNotFollowed() throws {
        let manifests = fixture.models.appendingPathComponent("manifests/registry.ollama.ai/library")
        let fm = FileManager.default
        try fm.createSymbolicLink(at: manifests.appendingPathComponent("escape"), withDestinationURL: secret.deletingLastPathComponent())
        try fm.createSymbolicLink(at: manifests.appendingPathComponent("tiny/linked"), withDestinationURL: secret)
        let outsideBlob = fixture.work.appendingPathComponent("outside/blob")
        try Data("not in the store".utf8).write(to: outsideBlob)
        let fakeDigest = "sha256:" + SHA256Hasher.hex(of: Data("not in the store".utf8))
        try fm.createSymbolicLink(at: fixture.models.appendingPathComponent("blobs/" + fakeDigest.replacingOccurrences(of: ":", with: "-")),
                                  withDestinationURL: outsideBlob)

        let escaped = try Curl.get(url("/v2/library/escape/manifests/latest"))
        XCTAssertEqual(escaped.status, 404)
        XCTAssertEqual(escaped.errorCode, "NAME_UNKNOWN")
        let linkedTag = try Curl.get(url("/v2/library/tiny/manifests/linked"))
        XCTAssertEqual(linkedTag.status, 404)
        XCTAssertEqual(linkedTag.errorCode, "MANIFEST_UNKNOWN")
        let linkedBlob = try Curl.get(url("/v2/library/tiny/blobs/\(fakeDigest)"))
        XCTAssertEqual(linkedBlob.status, 404)
        XCTAssertEqual(linkedBlob.errorCode, "BLOB_UNKNOWN")
        let tags = try Curl.get(url("/v2/library/tiny/tags/list"))
        XCTAssertEqual((try JSONSerialization.jsonObject(with: tags.body) as? [String: Any])?["tags"] as? [String], ["latest", "v2"])
    }

    func testAbsurdRangesAreAnsweredByTheRFC() throws {
        let layer = fixture.tiny.layers[1]
        let bytes = try Data(contentsOf: layer.path)
        let blob = url("/v2/library/tiny/blobs/\(layer.digest)")
        let whole: [String] = ["bytes=abc", "bytes=5-1", "bytes=0-1,3-4", "items=0-5", "bytes=--1", "bytes=-", "bytes=1-2-3"]
        for header in whole {
            let response = try Curl.get(blob, ["-H", "Range: \(header)"])
            XCTAssertEqual(response.status, 200, header)
            XCTAssertEqual(response.body, bytes, header)
        }
        let unsatisfiable: [String] = ["bytes=99999999999999999999999999999-", "bytes=\(bytes.count)-\(bytes.count + 5)",
                                       "bytes=9223372036854775807-9223372036854775807", "bytes=-0"]
        for header in unsatisfiable {
            let response = try Curl.get(blob, ["-H", "Range: \(header)"])
            XCTAssertEqual(response.status, 416, header)
            XCTAssertEqual(response.headers["content-range"], "bytes */\(bytes.count)", header)
            XCTAssertEqual(response.body.count, 0, header)
        }
        let hugeSuffix = try Curl.get(blob, ["-H", "Range: bytes=-99999999999999999999999"])
        XCTAssertEqual(hugeSuffix.status, 206)
        XCTAssertEqual(hugeSuffix.body, bytes)
        let hugeEnd = try Curl.get(blob, ["-H", "Range: bytes=10-99999999999999999999999"])
        XCTAssertEqual(hugeEnd.status, 206)
        XCTAssertEqual(hugeEnd.body, bytes[10...])
    }

    /// 10,000 connections that never send a byte: serve accepts them all
    /// (it raises its own open-file limit, as Go's runtime does for
    /// docker-registry), keeps serving a blob byte-exact to another client
    /// meanwhile, and its memory stays bounded.
    func testTenThousandIdleConnectionsDoNotStopService() throws {
        let idle = 10_000
        // The test's own descriptors: the idle sockets, plus a margin for
        // curl's pipes and XCTest. serve inherits the same hard limit.
        let needed = idle + 512
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        guard limit.rlim_max == rlim_t.max || limit.rlim_max >= rlim_t(needed) else {
            throw XCTSkip("the hard open-file limit (ulimit -Hn) is \(limit.rlim_max); \(needed) are needed for \(idle) idle connections")
        }
        limit.rlim_cur = limit.rlim_max
        XCTAssertEqual(setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit), 0)

        var sockets: [Int32] = []
        sockets.reserveCapacity(idle)
        defer { sockets.forEach { close($0) } }
        for _ in 0..<idle {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            guard fd >= 0 else { return XCTFail("socket: \(String(cString: strerror(errno))) after \(sockets.count)") }
            sockets.append(fd)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(serve.port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard connected == 0 else { return XCTFail("connect: \(String(cString: strerror(errno))) after \(sockets.count)") }
        }
        // serve holds every one of them (accepted, not left in the backlog).
        var held = 0
        for _ in 0..<300 {
            held = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(serve.pid)/fd").count) ?? 0
            if held >= idle { break }
            usleep(100_000)
        }
        XCTAssertGreaterThanOrEqual(held, idle, "descriptors serve holds with \(idle) idle connections open")

        let layer = fixture.tiny.layers[0]
        let blob = try Curl.get(url("/v2/library/tiny/blobs/\(layer.digest)"))
        XCTAssertEqual(blob.status, 200)
        XCTAssertEqual(blob.body, try Data(contentsOf: layer.path), "the blob, byte for byte, with \(idle) idle connections open")
        XCTAssertTrue(serve.isRunning)
        let rss = try XCTUnwrap(serve.residentBytes)
        XCTAssertLessThan(rss, 256 << 20, "resident memory with \(idle) idle connections")
    }
}

private extension Data {
    func contains(_ other: Data) -> Bool { !other.isEmpty && range(of: other) != nil }
}

extension GeneratedModel.Blob {
    var hexDigest: String { String(digest.dropFirst("sha256:".count)) }
}
