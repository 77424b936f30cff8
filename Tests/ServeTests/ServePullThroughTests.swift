import Foundation
import ModelGet
import TestSupport
import XCTest

/// `serve --upstream`: a real docker-registry behind a FaultProxy (which
/// counts what reaches the upstream, throttles, and cuts), serve in front.
final class ServePullThroughTests: XCTestCase {
    private var fixture: ServeFixture!
    private var registry: RegistryProcess!
    private var proxy: FaultProxy!
    private var model: GeneratedModel!

    override func setUpWithError() throws {
        fixture = try ServeFixture()
        registry = try RegistryProcess()
        model = try ModelSeeder.ollamaModel(layerSizes: [32 << 20, 1_000], seed: 77, in: fixture.work.appendingPathComponent("upstream"))
        try ModelSeeder.write(model, to: registry.storageRoot, repository: "library/big", tag: "v1")
        proxy = try FaultProxy(upstreamPort: registry.port)
    }

    override func tearDownWithError() throws {
        proxy?.stop()
        registry?.stop()
        registry = nil  // XCTest keeps the case alive: release the registry's directory now
        fixture?.cleanUp()
    }

    private func startServe(_ extra: [String] = []) throws -> ServeProcess {
        try fixture.start(["--upstream", "http://\(proxy.host)"] + extra)
    }

    /// Blob GETs for `digest` that reached the upstream.
    private func upstreamGets(_ digest: String) -> Int {
        proxy.requests.filter { $0.method == "GET" && $0.path.hasSuffix("/blobs/\(digest)") }.count
    }

    private func storedBlob(_ digest: String) -> URL {
        fixture.models.appendingPathComponent("blobs/" + digest.replacingOccurrences(of: ":", with: "-"))
    }

    /// Blob temporaries left in `.modelget/tmp/`.
    private var leftovers: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: fixture.models.appendingPathComponent(".modelget/tmp").path)) ?? [])
            .filter { $0.hasPrefix("sha256-") }
    }

    /// Starts `count` curl downloads of `url` into files; returns them when all ended.
    private func download(_ url: String, count: Int, extra: [String] = []) throws -> [(status: Int32, file: URL)] {
        var running: [(Process, URL)] = []
        for index in 0..<count {
            let file = fixture.work.appendingPathComponent("client-\(UUID().uuidString)-\(index)")
            let curl = Process()
            curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
            curl.arguments = ["-sS", "-f", "--max-time", "600", "-o", file.path] + extra + [url]
            curl.standardError = FileHandle.nullDevice
            try curl.run()
            running.append((curl, file))
        }
        return running.map { curl, file in
            curl.waitUntilExit()
            return (curl.terminationStatus, file)
        }
    }

    func testTwentyClientsShareOneUpstreamFetchAndGetIdenticalVerifiedBytes() throws {
        var faults = FaultProxy.Faults()
        faults.bytesPerSecond = 16 << 20
        proxy.setFaults(faults)
        let serve = try startServe()
        defer { serve.stop() }
        let layer = model.layers[0]
        let results = try download("\(serve.baseURL)/v2/library/big/blobs/\(layer.digest)", count: 20)
        for (status, file) in results {
            XCTAssertEqual(status, 0)
            XCTAssertEqual(try ServeFixture.sha256(of: file), layer.digest)
        }
        XCTAssertEqual(upstreamGets(layer.digest), 1, "one fetch upstream for twenty clients")
        XCTAssertEqual(try ServeFixture.sha256(of: storedBlob(layer.digest)), layer.digest)
        XCTAssertEqual(leftovers, [])

        // Now a hit: served from the store, nothing more upstream.
        let again = try Curl.get("\(serve.baseURL)/v2/library/big/blobs/\(layer.digest)", ["-r", "0-99"])
        XCTAssertEqual(again.status, 206)
        XCTAssertEqual(upstreamGets(layer.digest), 1)
        let metrics = try Curl.get("\(serve.baseURL)/metrics").text
        XCTAssertTrue(metrics.contains("modelget_serve_cache_misses_total 1\n"), metrics)
        XCTAssertTrue(metrics.contains("modelget_serve_upstream_bytes_total \(32 << 20)\n"), metrics)
    }

    func testTheFirstClientGetsBytesWhileTheBlobIsStillArriving() throws {
        var faults = FaultProxy.Faults()
        // The 32 MiB arrive over 4 s; the first bytes reach the client within a fraction of one.
        faults.bytesPerSecond = 8 << 20
        proxy.setFaults(faults)
        let serve = try startServe()
        defer { serve.stop() }
        let layer = model.layers[0]
        let file = fixture.work.appendingPathComponent("early")
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        curl.arguments = ["-sS", "-f", "-o", file.path, "\(serve.baseURL)/v2/library/big/blobs/\(layer.digest)"]
        try curl.run()
        var polls = 0
        while ((try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 0) == 0, polls < 1200 {
            usleep(50_000)
            polls += 1
        }
        XCTAssertGreaterThan((try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int) ?? 0, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: storedBlob(layer.digest).path),
                       "bytes reached the client before the blob was complete")
        curl.waitUntilExit()
        XCTAssertEqual(curl.terminationStatus, 0)
        XCTAssertEqual(try ServeFixture.sha256(of: file), layer.digest)
    }

    func testAnUpstreamCutMidBlobIsContinuedFromTheBytesServeHas() throws {
        var faults = FaultProxy.Faults()
        faults.cutAfterBytes = 5 << 20
        faults.bytesPerSecond = 16 << 20
        proxy.setFaults(faults)
        let serve = try startServe()
        defer { serve.stop() }
        let layer = model.layers[0]
        let url = "\(serve.baseURL)/v2/library/big/blobs/\(layer.digest)"
        for (status, file) in try download(url, count: 3) {
            XCTAssertEqual(status, 0, "every client of the cut fetch gets the whole blob")
            XCTAssertEqual(try ServeFixture.sha256(of: file), layer.digest)
        }
        let gets = proxy.requests.filter { $0.method == "GET" && $0.path.hasSuffix("/blobs/\(layer.digest)") }
        XCTAssertEqual(gets.count, 2, "one fetch, continued once")
        XCTAssertEqual(gets.last?.headers["Range"], "bytes=\(5 << 20)-\(layer.size - 1)", "from the byte serve had")
        XCTAssertEqual(try ServeFixture.sha256(of: storedBlob(layer.digest)), layer.digest)
        XCTAssertEqual(leftovers, [])
    }

    func testCorruptUpstreamBytesAreNeverServedWholeNorStored() throws {
        var faults = FaultProxy.Faults()
        faults.flipByteAt = 1_000_000
        faults.flipResponses = 1
        proxy.setFaults(faults)
        let serve = try startServe()
        defer { serve.stop() }
        let layer = model.layers[0]
        let (status, file) = try download("\(serve.baseURL)/v2/library/big/blobs/\(layer.digest)", count: 1)[0]
        XCTAssertNotEqual(status, 0)
        let received = (try? FileManager.default.attributesOfItem(atPath: file.path)[.size] as? Int64) ?? 0
        XCTAssertLessThan(received, layer.size, "the last byte is held back until the digest matched")
        XCTAssertFalse(FileManager.default.fileExists(atPath: storedBlob(layer.digest).path))
        XCTAssertEqual(leftovers, [])
    }

    /// ollama's download (the Go double) through a cache miss: the 307,
    /// then its ranged parts from the signed link while the one upstream
    /// fetch is still arriving.
    func testOllamaDownloadThroughAMiss() throws {
        var faults = FaultProxy.Faults()
        faults.bytesPerSecond = 16 << 20
        proxy.setFaults(faults)
        let serve = try startServe()
        defer { serve.stop() }
        let double = try OllamaDownloadDouble(buildingIn: fixture.work)
        let layer = model.layers[0]
        let output = fixture.work.appendingPathComponent("ollama-out")
        let result = try double.download(registry: serve.baseURL, name: "library/big", digest: layer.digest, to: output,
                                         minimumPart: 4 << 20)
        XCTAssertEqual(result.status, 0, result.output)
        XCTAssertEqual(try ServeFixture.sha256(of: output), layer.digest)
        XCTAssertEqual(upstreamGets(layer.digest), 1)
        XCTAssertTrue(serve.logContains("GET /v2/library/big/blobs/\(layer.digest) 307 "), serve.stderr)
    }

    func testManifestsComeThroughAndModelgetPullsTheWholeModel() throws {
        // The namespace exists on disk in another case: the model goes there, as ollama would find it.
        let namespace = fixture.models.appendingPathComponent("manifests/\(proxy.host)/Library")
        try FileManager.default.createDirectory(at: namespace, withIntermediateDirectories: true)
        let serve = try startServe()
        defer { serve.stop() }
        let manifest = try Curl.get("\(serve.baseURL)/v2/library/big/manifests/v1")
        XCTAssertEqual(manifest.status, 200)
        XCTAssertEqual(manifest.body, model.manifest)
        XCTAssertEqual(manifest.headers["docker-content-digest"], model.manifestDigest)

        let pulled = fixture.work.appendingPathComponent("pulled")
        let pull = Process()
        pull.executableURL = ServeProcess.binary
        pull.arguments = ["pull", "--insecure", "--models", pulled.path, "\(serve.host)/library/big:v1"]
        pull.standardOutput = FileHandle.nullDevice
        try pull.run()
        pull.waitUntilExit()
        XCTAssertEqual(pull.terminationStatus, 0)
        for blob in [model.config] + model.layers {
            XCTAssertEqual(upstreamGets(blob.digest), 1, blob.digest)
            XCTAssertEqual(try ServeFixture.sha256(of: storedBlob(blob.digest)), blob.digest)
        }
        // Once every blob is in, the manifest is stored where `pull` would put it.
        let stored = namespace.appendingPathComponent("big/v1")
        var polls = 0
        while !FileManager.default.fileExists(atPath: stored.path), polls < 600 {
            usleep(50_000)
            polls += 1
        }
        XCTAssertEqual(try Data(contentsOf: stored), model.manifest)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: namespace.deletingLastPathComponent().path), ["Library"])

        let unknown = try Curl.get("\(serve.baseURL)/v2/library/big/manifests/nope")
        XCTAssertEqual(unknown.status, 404)
        XCTAssertEqual(unknown.errorCode, "MANIFEST_UNKNOWN")
        let missingBlob = try Curl.get("\(serve.baseURL)/v2/library/big/blobs/sha256:" + String(repeating: "1", count: 64))
        XCTAssertEqual(missingBlob.status, 404)
        XCTAssertEqual(missingBlob.errorCode, "BLOB_UNKNOWN")
    }

    func testTagsAreRevalidatedAfterTheTTLAndUpstreamFailureIsA502() throws {
        let serve = try startServe()
        let pulled = fixture.work.appendingPathComponent("pulled")
        let pull = Process()
        pull.executableURL = ServeProcess.binary
        pull.arguments = ["pull", "--insecure", "--models", pulled.path, "\(serve.host)/library/big:v1"]
        try pull.run()
        pull.waitUntilExit()
        XCTAssertEqual(pull.terminationStatus, 0)
        let stored = fixture.models.appendingPathComponent("manifests/\(proxy.host)/library/big/v1")
        var polls = 0
        while !FileManager.default.fileExists(atPath: stored.path), polls < 600 {
            usleep(50_000)
            polls += 1
        }

        // The tag moves upstream.
        let newer = try ModelSeeder.ollamaModel(layerSizes: [2_000], seed: 78, in: fixture.work.appendingPathComponent("newer"))
        try ModelSeeder.write(newer, to: registry.storageRoot, repository: "library/big", tag: "v1")
        XCTAssertEqual(try Curl.get("\(serve.baseURL)/v2/library/big/manifests/v1").body, model.manifest, "fresh: not asked again")
        serve.stop()

        // A short window: with the upstream gone, each manifest request below waits it out (metadata's
        // default is 5 s) before serving the stored manifest or the 502; what is answered does not follow its length.
        let eager = try startServe(["--manifest-ttl", "0", "--retry-window", "1s"])
        defer { eager.stop() }
        XCTAssertEqual(try Curl.get("\(eager.baseURL)/v2/library/big/manifests/v1").body, newer.manifest, "revalidated")
        XCTAssertEqual(try Curl.get("\(eager.baseURL)/v2/library/big/manifests/\(model.manifestDigest)").body, model.manifest,
                       "a digest is served from the store")

        proxy.stop()
        let stale = try Curl.get("\(eager.baseURL)/v2/library/big/manifests/v1")
        XCTAssertEqual(stale.status, 200, "upstream down: the stored manifest is served")
        XCTAssertEqual(stale.body, model.manifest)
        let failed = try Curl.get("\(eager.baseURL)/v2/library/other/manifests/v1")
        XCTAssertEqual(failed.status, 502)
        XCTAssertEqual(failed.errorCode, "UNAVAILABLE")
        XCTAssertTrue(failed.text.contains(proxy.host), failed.text)
    }

    /// `tags/list` for a name the store does not hold asks the upstream; a
    /// name the store holds lists the store's tags without asking.
    func testTagListsOfNamesNotInTheStoreComeFromTheUpstream() throws {
        try ModelSeeder.write(model, to: registry.storageRoot, repository: "library/big", tag: "v2")
        // A name of the upstream's that the store holds (as a pull through it writes it).
        try StoreSeeding.put(fixture.tiny, in: fixture.models, host: proxy.host, namespace: "library", name: "tiny", tag: "mine")
        // A short window: the 502 at the end, with the upstream gone, comes after it (metadata's default is 5 s).
        let serve = try startServe(["--retry-window", "1s"])
        defer { serve.stop() }
        func tags(_ body: Data) -> [String]? { (try? JSONSerialization.jsonObject(with: body) as? [String: Any])?["tags"] as? [String] }

        let upstream = try Curl.get("\(serve.baseURL)/v2/library/big/tags/list")
        XCTAssertEqual(upstream.status, 200)
        XCTAssertEqual(tags(upstream.body), ["v1", "v2"])
        let page = try Curl.get("\(serve.baseURL)/v2/library/big/tags/list?n=1")
        XCTAssertEqual(tags(page.body), ["v1"], "paginated like the store's lists")
        XCTAssertEqual(proxy.requests.filter { $0.path.hasSuffix("/library/big/tags/list") }.count, 2)

        let unknown = try Curl.get("\(serve.baseURL)/v2/library/absent/tags/list")
        XCTAssertEqual(unknown.status, 404)
        XCTAssertEqual(unknown.errorCode, "NAME_UNKNOWN")

        let stored = try Curl.get("\(serve.baseURL)/v2/library/tiny/tags/list")
        XCTAssertEqual(tags(stored.body), ["mine"])
        XCTAssertFalse(proxy.requests.contains { $0.path.contains("/library/tiny/") }, "the store's own name: upstream not asked")

        proxy.stop()
        let failed = try Curl.get("\(serve.baseURL)/v2/library/big/tags/list")
        XCTAssertEqual(failed.status, 502)
        XCTAssertEqual(failed.errorCode, "UNAVAILABLE")
    }
}
