import Foundation
import ModelGet
import TestSupport
import XCTest

/// The distribution API's read side, from a real store, asked with curl.
final class ServeReadSideTests: ServingTestCase {
    private func url(_ path: String) -> String { serve.baseURL + path }

    func testManifestIsServedByteForByteWithDigestAndMediaType() throws {
        let base = try Curl.get(url("/v2/"))
        XCTAssertEqual(base.status, 200)
        XCTAssertEqual(base.headers["docker-distribution-api-version"], "registry/2.0")

        for (path, model) in [("/v2/library/tiny/manifests/latest", fixture.tiny), ("/v2/tiny/manifests/v2", fixture.tinyV2),
                              ("/v2/library/oci/manifests/1", fixture.oci)] {
            let get = try Curl.get(url(path))
            XCTAssertEqual(get.status, 200, path)
            XCTAssertEqual(get.body, model.manifest, path)
            XCTAssertEqual(get.headers["content-type"], model.mediaType, path)
            XCTAssertEqual(get.headers["docker-content-digest"], model.manifestDigest, path)
            XCTAssertEqual(get.headers["etag"], "\"\(model.manifestDigest)\"", path)

            let head = try Curl.get(url(path), ["-I"])
            XCTAssertEqual(head.status, 200, path)
            XCTAssertEqual(head.headers["content-length"], String(model.manifest.count), path)
            XCTAssertEqual(head.headers["docker-content-digest"], model.manifestDigest, path)
        }
        let byDigest = try Curl.get(url("/v2/library/tiny/manifests/\(fixture.tiny.manifestDigest)"))
        XCTAssertEqual(byDigest.status, 200)
        XCTAssertEqual(byDigest.body, fixture.tiny.manifest)
        // A digest of another repository's manifest is not this one's.
        let elsewhere = try Curl.get(url("/v2/library/oci/manifests/\(fixture.tiny.manifestDigest)"))
        XCTAssertEqual(elsewhere.status, 404)
        XCTAssertEqual(elsewhere.errorCode, "MANIFEST_UNKNOWN")
    }

    func testBlobsWholeAndByRangeWithCurl() throws {
        let layer = fixture.tiny.layers[0]
        let bytes = try Data(contentsOf: layer.path)
        let blobURL = url("/v2/library/tiny/blobs/\(layer.digest)")

        let whole = try Curl.get(blobURL)
        XCTAssertEqual(whole.status, 200)
        XCTAssertEqual(whole.body.count, bytes.count)
        XCTAssertEqual("sha256:" + SHA256Hasher.hex(of: whole.body), layer.digest)
        XCTAssertEqual(whole.headers["docker-content-digest"], layer.digest)
        XCTAssertEqual(whole.headers["accept-ranges"], "bytes")

        let head = try Curl.get(blobURL, ["-I"])
        XCTAssertEqual(head.status, 200)
        XCTAssertEqual(head.headers["content-length"], String(bytes.count))

        let middle = try Curl.get(blobURL, ["-r", "1000-1999"])
        XCTAssertEqual(middle.status, 206)
        XCTAssertEqual(middle.headers["content-range"], "bytes 1000-1999/\(bytes.count)")
        XCTAssertEqual(middle.body, bytes[1000..<2000])

        let tail = try Curl.get(blobURL, ["-r", "-10"])
        XCTAssertEqual(tail.status, 206)
        XCTAssertEqual(tail.body, bytes[(bytes.count - 10)...])

        let open = try Curl.get(blobURL, ["-r", "2999990-"])
        XCTAssertEqual(open.status, 206)
        XCTAssertEqual(open.body, bytes[2_999_990...])

        let past = try Curl.get(blobURL, ["-r", "\(bytes.count)-"])
        XCTAssertEqual(past.status, 416)
        XCTAssertEqual(past.headers["content-range"], "bytes */\(bytes.count)")

        let beyondEnd = try Curl.get(blobURL, ["-r", "100-99999999999"])
        XCTAssertEqual(beyondEnd.status, 206, "a last byte past the end is clipped")
        XCTAssertEqual(beyondEnd.body, bytes[100...])
    }

    func testTagsAndCatalogPaginateWithLinks() throws {
        let all = try Curl.get(url("/v2/library/tiny/tags/list"))
        XCTAssertEqual(all.status, 200)
        XCTAssertEqual(try JSONSerialization.jsonObject(with: all.body) as? NSDictionary,
                       ["name": "library/tiny", "tags": ["latest", "v2"]])

        let first = try Curl.get(url("/v2/library/tiny/tags/list?n=1"))
        XCTAssertEqual((try JSONSerialization.jsonObject(with: first.body) as? [String: Any])?["tags"] as? [String], ["latest"])
        let link = try XCTUnwrap(first.headers["link"])
        XCTAssertEqual(link, "</v2/library/tiny/tags/list?last=latest&n=1>; rel=\"next\"")
        let second = try Curl.get(url("/v2/library/tiny/tags/list?last=latest&n=1"))
        XCTAssertEqual((try JSONSerialization.jsonObject(with: second.body) as? [String: Any])?["tags"] as? [String], ["v2"])
        XCTAssertNil(second.headers["link"])

        let catalog = try Curl.get(url("/v2/_catalog"))
        XCTAssertEqual((try JSONSerialization.jsonObject(with: catalog.body) as? [String: Any])?["repositories"] as? [String],
                       ["hf.co/user/repo", "library/oci", "library/tiny", "team/mixedcase"], "as every client can spell them")
        let page = try Curl.get(url("/v2/_catalog?n=2&last=hf.co/user/repo"))
        XCTAssertEqual((try JSONSerialization.jsonObject(with: page.body) as? [String: Any])?["repositories"] as? [String],
                       ["library/oci", "library/tiny"])
        XCTAssertEqual(page.headers["link"], "</v2/_catalog?last=library%2Ftiny&n=2>; rel=\"next\"")

        let bad = try Curl.get(url("/v2/_catalog?n=-1"))
        XCTAssertEqual(bad.status, 400)
        XCTAssertEqual(bad.errorCode, "PAGINATION_NUMBER_INVALID")
    }

    func testNamesMatchTheStoreCaseInsensitivelyAsOllamaDoes() throws {
        for path in ["/v2/team/mixedcase/manifests/q4", "/v2/Team/MixedCase/manifests/Q4", "/v2/TEAM/mixedCASE/manifests/q4",
                     "/v2/hf.co/user/repo/manifests/q8"] {
            let response = try Curl.get(url(path))
            XCTAssertEqual(response.status, 200, path)
            XCTAssertEqual(response.body, fixture.mixed.manifest, path)
        }
        let tags = try Curl.get(url("/v2/team/mixedcase/tags/list"))
        XCTAssertEqual((try JSONSerialization.jsonObject(with: tags.body) as? [String: Any])?["tags"] as? [String], ["Q4"])
    }

    func testErrorsAreDistributionCodes() throws {
        let cases: [(String, Int, String)] = [
            ("/v2/library/nothing/manifests/latest", 404, "NAME_UNKNOWN"),
            ("/v2/library/tiny/manifests/nope", 404, "MANIFEST_UNKNOWN"),
            ("/v2/library/tiny/blobs/sha256:" + String(repeating: "0", count: 64), 404, "BLOB_UNKNOWN"),
            ("/v2/library/nothing/blobs/\(fixture.tiny.config.digest)", 404, "NAME_UNKNOWN"),
            ("/v2/library/nothing/tags/list", 404, "NAME_UNKNOWN"),
            ("/v2/library/tiny/blobs/sha512:" + String(repeating: "a", count: 128), 400, "DIGEST_INVALID"),
            ("/v2/library/tiny/blobs/md5:d41d8cd98f00b204e9800998ecf8427e", 400, "DIGEST_INVALID"),
            ("/v2/library/tiny/blobs/SHA256:" + String(repeating: "A", count: 64), 400, "DIGEST_INVALID"),
            ("/v2/library/tiny/manifests/-bad", 400, "TAG_INVALID"),
        ]
        for (path, status, code) in cases {
            let response = try Curl.get(url(path))
            XCTAssertEqual(response.status, status, path)
            XCTAssertEqual(response.errorCode, code, path)
            XCTAssertEqual(response.headers["content-type"], "application/json; charset=utf-8", path)
        }
        XCTAssertEqual(try Curl.get(url("/v3/anything")).status, 404)
    }

    func testWritesAreRefusedWith405Unsupported() throws {
        let blob = url("/v2/library/tiny/blobs/\(fixture.tiny.config.digest)")
        for (method, target) in [("POST", url("/v2/library/tiny/blobs/uploads/")), ("PATCH", url("/v2/library/tiny/blobs/uploads/abc")),
                                 ("PUT", url("/v2/library/tiny/manifests/latest")), ("DELETE", url("/v2/library/tiny/manifests/latest")),
                                 ("DELETE", blob), ("GET", url("/v2/library/tiny/blobs/uploads/"))] {
            let response = try Curl.request(["-X", method, "--data-binary", "x", target])
            XCTAssertEqual(response.status, 405, "\(method) \(target)")
            XCTAssertEqual(response.errorCode, "UNSUPPORTED", "\(method) \(target)")
        }
        XCTAssertEqual(try Curl.get(url("/v2/library/tiny/manifests/latest")).body, fixture.tiny.manifest, "nothing changed")
    }

    func testAccessLogLineAndMetrics() throws {
        _ = try Curl.get(url("/v2/library/tiny/manifests/latest"))
        _ = try Curl.get(url("/v2/library/tiny/blobs/\(fixture.tiny.layers[0].digest)"))
        // A request is counted just before its log line is written (for a
        // sendfile body, once the kernel took the last byte): wait for the line.
        XCTAssertTrue(serve.logContains(" GET /v2/library/tiny/blobs/"))
        XCTAssertTrue(serve.logContains(" GET /v2/library/tiny/manifests/latest "))
        let metrics = try Curl.get(url("/metrics"))
        XCTAssertEqual(metrics.status, 200)
        XCTAssertTrue(metrics.text.contains("modelget_serve_requests_total{method=\"GET\",status=\"200\"} 2"), metrics.text)
        XCTAssertTrue(metrics.text.contains("modelget_serve_bytes_served_total \(fixture.tiny.manifest.count + 3_000_000)"), metrics.text)
        XCTAssertTrue(metrics.text.contains("modelget_serve_cache_hits_total 2"), metrics.text)
        let lines = serve.stderr.split(separator: "\n")
        let manifestLine = try XCTUnwrap(lines.first { $0.contains("GET /v2/library/tiny/manifests/latest ") })
        XCTAssertTrue(manifestLine.contains(" 200 \(fixture.tiny.manifest.count) "), String(manifestLine))
        XCTAssertTrue(lines.contains { $0.contains("GET /v2/library/tiny/blobs/\(fixture.tiny.layers[0].digest) 200 3000000 ") })
    }

    func testAPortInUseIsOneLineAndExit1() throws {
        let second = Process()
        second.executableURL = ServeProcess.binary
        second.arguments = ["serve", "--listen", "127.0.0.1:\(serve.port)", "--models", fixture.models.path]
        let err = Pipe()
        second.standardError = err
        try second.run()
        let text = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        second.waitUntilExit()
        XCTAssertEqual(second.terminationStatus, 1)
        XCTAssertEqual(text, "modelget: cannot listen on 127.0.0.1:\(serve.port): Address already in use\n")
    }

    func testJSONAccessLog() throws {
        let json = try fixture.start(["--json"])
        defer { json.stop() }
        XCTAssertEqual(try Curl.get(json.baseURL + "/v2/library/tiny/blobs/\(fixture.tiny.layers[1].digest)", ["-r", "0-9"]).status, 206)
        XCTAssertTrue(json.logContains("\"status\":206"))
        let lines = json.stderr.split(separator: "\n").map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        XCTAssertFalse(lines.contains { $0 == nil }, json.stderr)
        XCTAssertEqual(lines.first??["event"] as? String, "listening")
        let entry = try XCTUnwrap(lines.compactMap { $0 }.first { $0["status"] as? Int == 206 })
        XCTAssertEqual(entry["method"] as? String, "GET")
        XCTAssertEqual(entry["path"] as? String, "/v2/library/tiny/blobs/\(fixture.tiny.layers[1].digest)")
        XCTAssertEqual(entry["bytes"] as? Int, 10)
        XCTAssertNotNil(entry["ms"] as? Int)
        XCTAssertEqual(entry["client"] as? String, "127.0.0.1")
    }

    /// SIGTERM while a blob is going out (slowly, by sendfile): the
    /// download still completes, then serve exits 0.
    func testSigtermFinishesTheDownloadInFlight() throws {
        // Larger than loopback's socket buffers, so it is still going out.
        let big = try ModelSeeder.ollamaModel(layerSizes: [48 << 20], seed: 9, in: fixture.work.appendingPathComponent("generated/big"))
        try StoreSeeding.put(big, in: fixture.models, name: "big")
        let layer = big.layers[0]
        let output = fixture.work.appendingPathComponent("slow")
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        curl.arguments = ["-sS", "--limit-rate", "16M", "-o", output.path, url("/v2/library/big/blobs/\(layer.digest)")]
        try curl.run()
        var polls = 0
        while (try? FileManager.default.attributesOfItem(atPath: output.path)[.size] as? Int) ?? 0 == 0, polls < 600 {
            usleep(50_000)
            polls += 1
        }
        XCTAssertEqual(serve.stop(), 0)
        curl.waitUntilExit()
        XCTAssertEqual(curl.terminationStatus, 0)
        XCTAssertEqual(try ServeFixture.sha256(of: output), layer.digest)
    }
}
