import Foundation
import ModelGet
import TestSupport
import XCTest

/// What serve's pull-through never does with an upstream's bytes: write
/// more than the blob's declared size (an endless body is cut), or answer
/// a `Range` with bytes not yet verified.
final class ServeUpstreamBoundsTests: XCTestCase {
    private var fixture: ServeFixture!

    override func setUpWithError() throws { fixture = try ServeFixture() }
    override func tearDownWithError() throws { fixture?.cleanUp() }

    private var leftovers: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: fixture.models.appendingPathComponent(".modelget/tmp").path)) ?? [])
            .filter { $0.hasPrefix("sha256-") }
    }

    /// A manifest declaring one 5,000-byte layer.
    private let layerDigest = "sha256:" + String(repeating: "ab", count: 32)
    private var manifest: Data {
        let config = "sha256:" + String(repeating: "cd", count: 32)
        return Data("""
            {"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json",\
            "config":{"mediaType":"application/vnd.docker.container.image.v1+json","digest":"\(config)","size":2},\
            "layers":[{"mediaType":"application/vnd.ollama.image.model","digest":"\(layerDigest)","size":5000}]}
            """.utf8)
    }

    private func endlessBody(claimsLength: Bool, extra: [String] = [], askManifestFirst: Bool) throws {
        let upstream = try EndlessBlobServer(manifest: manifest, manifestType: "application/vnd.docker.distribution.manifest.v2+json",
                                             claimsLength: claimsLength)
        defer { upstream.stop() }
        let serve = try fixture.start(["--upstream", "http://127.0.0.1:\(upstream.port)", "--retry-window", "2s"] + extra)
        defer { serve.stop() }
        if askManifestFirst {
            XCTAssertEqual(try Curl.get("\(serve.baseURL)/v2/library/endless/manifests/v1").status, 200)
        }
        let started = Date()
        let answer = try Curl.get("\(serve.baseURL)/v2/library/endless/blobs/\(layerDigest)", ["--max-time", "60"])
        XCTAssertLessThan(Date().timeIntervalSince(started), 30, "cut at once, not when the disk is full")
        // Refused before the answer (502), or cut short once it began (the last byte is held until verified).
        XCTAssertLessThan(answer.body.count, 5000, answer.text)
        XCTAssertFalse(FileManager.default.fileExists(atPath: fixture.models.path + "/blobs/" + layerDigest.replacingOccurrences(of: ":", with: "-")))
        XCTAssertEqual(leftovers, [])
    }

    func testAnEndlessBodyForADeclaredBlobIsCutAtItsSize() throws {
        try endlessBody(claimsLength: false, askManifestFirst: true)
    }

    func testAClaimedTenGiBForADeclaredBlobIsRefused() throws {
        try endlessBody(claimsLength: true, askManifestFirst: true)
    }

    func testAnEndlessBodyNoManifestDeclaredStopsAtMaxBlobSize() throws {
        try endlessBody(claimsLength: false, extra: ["--max-blob-size", "1M"], askManifestFirst: false)
    }

    /// A `Range` for a blob still arriving is answered once the whole blob
    /// verified; when it does not verify, with an error, never its bytes.
    func testARangeIsAnsweredOnlyWithVerifiedBytes() throws {
        let registry = try RegistryProcess()
        let model = try ModelSeeder.ollamaModel(layerSizes: [8 << 20], seed: 79, in: fixture.work.appendingPathComponent("upstream"))
        try ModelSeeder.write(model, to: registry.storageRoot, repository: "library/ranged", tag: "v1")
        let layer = model.layers[0]
        let expected = try Data(contentsOf: layer.path)
        for corrupt in [true, false] {
            var faults = FaultProxy.Faults()
            faults.bytesPerSecond = 8 << 20
            if corrupt {
                faults.flipByteAt = 7 << 20
                faults.flipResponses = 1
            }
            let proxy = try FaultProxy(upstreamPort: registry.port, faults: faults)
            defer { proxy.stop() }
            let serve = try fixture.start(["--upstream", "http://\(proxy.host)", "--retry-window", "2s"])
            defer { serve.stop() }
            let url = "\(serve.baseURL)/v2/library/ranged/blobs/\(layer.digest)"
            // The whole blob starts arriving; the Range asks for its first bytes meanwhile.
            let whole = Process()
            whole.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
            whole.arguments = ["-sS", "-o", "/dev/null", url]
            try whole.run()
            defer { whole.waitUntilExit() }
            let deadline = Date().addingTimeInterval(30)
            while proxy.bytesSent < 1 << 20 && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
            let part = try Curl.get(url, ["-H", "Range: bytes=0-99"])
            if corrupt {
                XCTAssertNotEqual(part.status, 206, "no unverified bytes: \(part.text)")
            } else {
                XCTAssertEqual(part.status, 206)
                XCTAssertEqual(part.body, expected.prefix(100))
                XCTAssertTrue(FileManager.default.fileExists(atPath: fixture.models.path + "/blobs/" + layer.digest.replacingOccurrences(of: ":", with: "-")),
                              "answered once the blob was verified and kept")
            }
        }
    }
}

/// Out of file descriptors, serve says so (503 with `Retry-After`) instead
/// of answering a stored manifest or blob with 404 (or a 200 cut short) or
/// `_catalog` with nothing.
final class ServeOutOfDescriptorsTests: XCTestCase {
    func testAStoredManifestOrBlobIsA503NotA404WhenNoDescriptorIsLeft() throws {
        let fixture = try ServeFixture()
        defer { fixture.cleanUp() }
        // A hard limit of 64 descriptors, and room for more connections than that.
        let serve = try fixture.start(["--max-connections", "1000"], openFiles: 64)
        defer { serve.stop() }
        // One connection per request, opened while descriptors were left.
        let early = [try Self.connect(serve.port), try Self.connect(serve.port), try Self.connect(serve.port)]
        defer { early.forEach { close($0) } }
        var idle: [Int32] = []
        defer { idle.forEach { close($0) } }
        for _ in 0..<80 { if let fd = try? Self.connect(serve.port) { idle.append(fd) } }
        // Until serve has accepted them and holds every descriptor it may (a
        // loaded machine takes longer than the half second this once slept).
        let deadline = Date().addingTimeInterval(20)
        while Self.openDescriptors(of: serve.pid) < 64 && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        let paths = ["/v2/library/tiny/manifests/latest", "/v2/_catalog", "/v2/library/tiny/blobs/\(fixture.tiny.layers[0].digest)"]
        for (connection, path) in zip(early, paths) {
            let request = "GET \(path) HTTP/1.1\r\nHost: \(serve.host)\r\n\r\n"
            _ = request.withCString { send(connection, $0, strlen($0), 0) }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = recv(connection, &buffer, buffer.count, 0)
            let reply = String(decoding: buffer.prefix(max(0, count)), as: UTF8.self)
            XCTAssertTrue(reply.hasPrefix("HTTP/1.1 503"), "\(path): \(reply.prefix(200))")
            XCTAssertTrue(reply.lowercased().contains("retry-after: 1"), reply)
        }
    }

    /// How many descriptors process `pid` has open.
    private static func openDescriptors(of pid: Int32) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? 0
    }

    private static func connect(_ port: Int) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Foundation.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            close(fd)
            throw NSError(domain: "connect", code: Int(errno))
        }
        return fd
    }
}
