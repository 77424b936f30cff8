import Foundation
import ModelGet
import TestSupport
import XCTest

/// Registry mirrors named in a registries.conf fixture, as podman reads
/// it: Debian's docker-registry as a pull-through cache (`proxy:
/// remoteurl:`) in front of an origin docker-registry, when the mirror is
/// stopped, silent, corrupting, digest-only or wanting credentials of its
/// own. The origin sits behind a `FaultProxy` that counts what it serves;
/// mirrors that must misbehave sit behind one too. (A cache serving a
/// second client without the origin: `FleetTests`.)
final class MirrorTests: XCTestCase {
    private var harness: CLIHarness!
    private var origin: RegistryProcess!
    /// What the origin serves, counted.
    private var originFront: FaultProxy!
    private var model: GeneratedModel!

    override func setUpWithError() throws {
        harness = try CLIHarness()
        origin = try RegistryProcess()
        originFront = try FaultProxy(upstreamPort: origin.port)
        model = try CLIHarness.seed(origin, "library/tiny", tag: "v1", sizes: [1 << 20, 200_000], seed: 71, in: harness.scratch)
    }

    override func tearDown() {
        originFront.stop()
        origin.stop()
        origin = nil
        harness.cleanUp()
    }

    /// The name every pull uses: the origin, through its counting front.
    private var reference: String { "\(originFront.host)/library/tiny:v1" }

    /// A registries.conf whose `[[registry]]` is the origin, with `mirrors` (TOML lines of `[[registry.mirror]]` tables).
    private func registriesConf(mirrors: String) throws -> String {
        let path = harness.scratch.path + "/registries-\(UUID().uuidString).conf"
        let text = """
            [[registry]]
            location = "\(originFront.host)"
            insecure = true

            \(mirrors)
            """
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private static func mirrorTable(_ host: String, _ extra: String = "") -> String {
        "[[registry.mirror]]\nlocation = \"\(host)\"\ninsecure = true\n\(extra)\n"
    }

    /// Runs modelget with `registriesConf` as podman's CONTAINERS_REGISTRIES_CONF, no proxy, no Docker credentials.
    private func run(_ arguments: [String], in harness: CLIHarness, conf: String?, _ variables: [String: String] = [:]) throws
        -> (status: Int32, out: Data, err: String) {
        if conf == nil { try "".write(toFile: harness.scratch.path + "/none.conf", atomically: true, encoding: .utf8) }
        let environment = ["CONTAINERS_REGISTRIES_CONF": conf ?? harness.scratch.path + "/none.conf"].merging(variables) { $1 }
        return try harness.run(arguments, environment: harness.isolatedEnvironment(environment))
    }

    private func assertStored(in harness: CLIHarness, file: StaticString = #filePath, line: UInt = #line) {
        harness.assertBlobsVerified(model, file: file, line: line)
        let manifest = harness.models.path + "/manifests/\(originFront.host)/library/tiny/v1"
        XCTAssertEqual(FileManager.default.contents(atPath: manifest), model.manifest, "stored under the name asked for", file: file, line: line)
    }

    private var originBlobGets: Int { originFront.requests.filter { $0.method == "GET" && $0.path.contains("/blobs/") }.count }

    func testAStoppedMirrorHandsOverToTheOriginAtOnce() throws {
        let mirror = try RegistryProcess(pullThrough: (URL(string: "http://\(originFront.host)")!, nil, nil))
        let conf = try registriesConf(mirrors: Self.mirrorTable(mirror.host))
        mirror.stop()
        let started = Date()
        let run = try run(["pull", reference], in: harness, conf: conf)
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertEqual(run.status, 0, run.err)
        assertStored(in: harness)
        XCTAssertLessThan(elapsed, 6, "a stopped mirror is passed over at once (the goal is 3 s; twice that here)")
        XCTAssertTrue(run.err.contains("mirror \(mirror.host) does not answer"), run.err)
        XCTAssertEqual(run.err.components(separatedBy: "does not answer").count, 2, "one note for the whole pull: \(run.err)")
    }

    func testAMirrorThatDoesNotAnswerCostsItsConnectTimeoutOnce() throws {
        let silent = try SilentPort()
        defer { silent.close() }
        let conf = try registriesConf(mirrors: Self.mirrorTable(silent.host))
        let started = Date()
        let run = try run(["pull", reference], in: harness, conf: conf)
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertEqual(run.status, 0, run.err)
        assertStored(in: harness)
        XCTAssertTrue(run.err.contains("mirror \(silent.host) does not answer"), run.err)
        // One 2 s connect timeout for the whole pull, not one per blob (3 blobs); the bound is twice that and the pull.
        XCTAssertLessThan(elapsed, 8, run.err)
    }

    func testAHungMirrorIsDownForTheWholePullAfterOneStallTimeout() throws {
        let hung = try SilentPort(acceptingConnections: true)
        defer { hung.close() }
        let conf = try registriesConf(mirrors: Self.mirrorTable(hung.host))
        let started = Date()
        let run = try run(["pull", reference, "--stall-timeout", "2"], in: harness, conf: conf)
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertEqual(run.status, 0, run.err)
        assertStored(in: harness)
        XCTAssertEqual(run.err.components(separatedBy: "mirror \(hung.host) does not answer").count, 2, run.err)
        // Its TLS attempt (2 s to connect) and one stalled request (2 s), not one per blob; the bound is twice that.
        XCTAssertLessThan(elapsed, 10, run.err)
    }

    func testAMirrorThatBreaksOffMidBlobHandsTheRestToTheOrigin() throws {
        let mirror = try RegistryProcess(pullThrough: (URL(string: "http://\(originFront.host)")!, nil, nil))
        defer { mirror.stop() }
        let cutting = try FaultProxy(upstreamPort: mirror.port)
        defer { cutting.stop() }
        var faults = FaultProxy.Faults()
        faults.cutAfterBytes = 100_000
        faults.cutResponses = Int.max
        cutting.setFaults(faults)
        let conf = try registriesConf(mirrors: Self.mirrorTable(cutting.host))

        let run = try run(["pull", reference], in: harness, conf: conf)
        XCTAssertEqual(run.status, 0, run.err)
        assertStored(in: harness)
        XCTAssertTrue(run.err.contains("mirror \(cutting.host)/library/tiny failed for"), run.err)
        XCTAssertGreaterThan(cutting.requests.filter { $0.path.contains("/blobs/") }.count, 0, "the mirror was asked first")
    }

    func testAMirrorThatCorruptsABlobIsDroppedForItWithANoteAndTheOriginServesIt() throws {
        let mirror = try RegistryProcess(pullThrough: (URL(string: "http://\(originFront.host)")!, nil, nil))
        defer { mirror.stop() }
        let corrupting = try FaultProxy(upstreamPort: mirror.port)
        defer { corrupting.stop() }
        var faults = FaultProxy.Faults()
        faults.flipByteAt = 100
        corrupting.setFaults(faults)
        let conf = try registriesConf(mirrors: Self.mirrorTable(corrupting.host))

        let run = try run(["pull", reference], in: harness, conf: conf)
        XCTAssertEqual(run.status, 0, run.err)
        assertStored(in: harness)
        XCTAssertTrue(run.err.contains("mirror \(corrupting.host)/library/tiny sent bytes for"), run.err)
        XCTAssertTrue(run.err.contains("from the next source"), run.err)
        XCTAssertGreaterThan(originBlobGets, 0)
    }

    func testADigestOnlyMirrorServesPullsByDigestButNotByTag() throws {
        let mirror = try RegistryProcess(pullThrough: (URL(string: "http://\(originFront.host)")!, nil, nil))
        defer { mirror.stop() }
        let mirrorFront = try FaultProxy(upstreamPort: mirror.port)
        defer { mirrorFront.stop() }
        let conf = try registriesConf(mirrors: Self.mirrorTable(mirrorFront.host, "pull-from-mirror = \"digest-only\""))

        let byTag = try run(["pull", reference], in: harness, conf: conf)
        XCTAssertEqual(byTag.status, 0, byTag.err)
        assertStored(in: harness)
        XCTAssertEqual(mirrorFront.requests.count, 0, "a tag is never read from a digest-only mirror")

        let byDigestClient = try CLIHarness()
        defer { byDigestClient.cleanUp() }
        let byDigest = try run(["pull", "\(originFront.host)/library/tiny@\(model.manifestDigest)"], in: byDigestClient, conf: conf)
        XCTAssertEqual(byDigest.status, 0, byDigest.err)
        let mirrored = mirrorFront.requests.filter { $0.method == "GET" && $0.path.contains("/library/tiny/") }
        XCTAssertTrue(mirrored.contains { $0.path.hasSuffix("/manifests/\(model.manifestDigest)") }, "\(mirrored.map(\.path))")
        XCTAssertEqual(mirrored.filter { $0.path.contains("/blobs/") }.count, 3, "\(mirrored.map(\.path))")
    }

    func testModelgetServeWithUpstreamIsAMirrorGivenOnTheCommandLine() throws {
        let cache = try CLIHarness()
        defer { cache.cleanUp() }
        let serve = try ServeLauncher(models: cache.models, arguments: ["--upstream", "http://\(originFront.host)"])
        defer { serve.stop() }
        let mirror = ["--mirror", "\(originFront.host)=http://\(serve.host)", "--insecure"]

        let first = try run(["pull", reference] + mirror, in: harness, conf: nil)
        XCTAssertEqual(first.status, 0, first.err)
        assertStored(in: harness)
        let before = (gets: originBlobGets, bytes: originFront.bytesSent)
        let secondClient = try CLIHarness()
        defer { secondClient.cleanUp() }
        let second = try run(["pull", reference] + mirror, in: secondClient, conf: nil)
        XCTAssertEqual(second.status, 0, second.err)
        assertStored(in: secondClient)
        XCTAssertEqual(originBlobGets, before.gets, "serve's store answered the second client")
    }

    func testTheOriginsCredentialsNeverGoToAMirrorWhichUsesItsOwnFromDockersConfig() throws {
        // An origin that gives tokens to its one user alone (distribution's
        // cache authenticates to its remote with tokens only); the cache has
        // its own credentials for it, and wants its own from clients.
        let tokens = try TokenService(users: ["origin-user": "origin-secret"])
        defer { tokens.stop() }
        tokens.grant = { user, scope in user == "origin-user" ? scope.actions : [] }
        let locked = try RegistryProcess(auth: .token(tokens))
        defer { locked.stop() }
        _ = try CLIHarness.seed(locked, "library/tiny", tag: "v1", sizes: [300_000], seed: 72, in: harness.scratch)
        let mirror = try RegistryProcess(auth: .htpasswd(user: "mirror-user", password: "mirror-secret"),
                                         pullThrough: (URL(string: "http://\(locked.host)")!, "origin-user", "origin-secret"))
        defer { mirror.stop() }
        let mirrorFront = try FaultProxy(upstreamPort: mirror.port)
        defer { mirrorFront.stop() }
        let path = harness.scratch.path + "/locked.conf"
        try """
            [[registry]]
            location = "\(locked.host)"
            insecure = true
            \(Self.mirrorTable(mirrorFront.host))
            """.write(toFile: path, atomically: true, encoding: .utf8)
        let dockerConfig = harness.scratch.appendingPathComponent("docker")
        try FileManager.default.createDirectory(at: dockerConfig, withIntermediateDirectories: true)
        let mirrorAuth = Data("mirror-user:mirror-secret".utf8).base64EncodedString()
        try Data("{\"auths\": {\"\(mirrorFront.host)\": {\"auth\": \"\(mirrorAuth)\"}}}".utf8)
            .write(to: dockerConfig.appendingPathComponent("config.json"))

        let run = try run(["pull", "\(locked.host)/library/tiny:v1"], in: harness, conf: path,
                          ["MODELGET_USERNAME": "origin-user", "MODELGET_PASSWORD": "origin-secret", "DOCKER_CONFIG": dockerConfig.path])
        XCTAssertEqual(run.status, 0, run.err)
        let blobGets = mirrorFront.requests.filter { $0.path.contains("/blobs/") }
        XCTAssertEqual(blobGets.count, 2, "the mirror served the blobs: \(mirrorFront.requests.map(\.path)) \(run.err)")
        let sent = Set(mirrorFront.requests.compactMap { $0.headers["Authorization"] })
        XCTAssertEqual(sent, ["Basic " + mirrorAuth], "the mirror got its own credentials, never the origin's")
    }

    func testPushesGoToTheOriginOnlyAndABlockedNameIsRefused() throws {
        let other = try RegistryProcess()
        defer { other.stop() }
        let mirrorFront = try FaultProxy(upstreamPort: other.port)
        defer { mirrorFront.stop() }
        // The origin itself (its counting front forwards no request bodies), with a mirror.
        let conf = harness.scratch.path + "/push.conf"
        try "[[registry]]\nlocation = \"\(origin.host)\"\ninsecure = true\n\(Self.mirrorTable(mirrorFront.host))"
            .write(toFile: conf, atomically: true, encoding: .utf8)
        XCTAssertEqual(try run(["pull", reference, "--insecure"], in: harness, conf: nil).status, 0)
        let push = try run(["push", reference, "\(origin.host)/team/pushed:v2"], in: harness, conf: conf)
        XCTAssertEqual(push.status, 0, push.err)
        let tag = origin.storageRoot.path + "/docker/registry/v2/repositories/team/pushed/_manifests/tags/v2"
        XCTAssertTrue(FileManager.default.fileExists(atPath: tag), "pushed to the origin")
        XCTAssertEqual(mirrorFront.requests.count, 0, "a push never goes to a mirror")

        let blocked = harness.scratch.path + "/blocked.conf"
        try "[[registry]]\nlocation = \"\(originFront.host)\"\nblocked = true\n".write(toFile: blocked, atomically: true, encoding: .utf8)
        for arguments in [["push", reference, "\(originFront.host)/team/again:v3"], ["pull", reference]] {
            let refused = try run(arguments, in: harness, conf: blocked)
            XCTAssertEqual(refused.status, 1, refused.err)
            XCTAssertEqual(refused.err.split(separator: "\n").count, 1, refused.err)
            XCTAssertTrue(refused.err.contains("is blocked (blocked = true in \(blocked)"), refused.err)
        }
    }

    func testBlobExportReadsThroughTheMirrorWithTheOriginGone() throws {
        // A mirror that holds the model itself (a registry pre-seeded), the origin stopped.
        let mirror = try RegistryProcess()
        defer { mirror.stop() }
        try ModelSeeder.write(model, to: mirror.storageRoot, repository: "library/tiny", tag: "v1")
        let conf = try registriesConf(mirrors: Self.mirrorTable(mirror.host))
        originFront.stop()
        let output = harness.scratch.appendingPathComponent("weights.gguf")
        let run = try run(["blob", reference, "-o", output.path, "--insecure"], in: harness, conf: conf)
        XCTAssertEqual(run.status, 0, run.err)
        let weights = try Data(contentsOf: output)
        XCTAssertTrue(model.layers.contains { $0.digest == "sha256:" + SHA256Hasher.hex(of: weights) })
    }

    func testSyncReadsThroughTheMirrorWithTheOriginGone() throws {
        let mirror = try RegistryProcess()
        defer { mirror.stop() }
        try ModelSeeder.write(model, to: mirror.storageRoot, repository: "library/tiny", tag: "v1")
        let conf = try registriesConf(mirrors: Self.mirrorTable(mirror.host))
        originFront.stop()
        let list = harness.scratch.appendingPathComponent("models.json")
        try Data("{\"models\": [{\"name\": \"\(reference)\", \"insecure\": true}]}".utf8).write(to: list)
        let sync = try run(["sync", list.path], in: harness, conf: conf)
        XCTAssertEqual(sync.status, 0, sync.err + sync.out.text)
        assertStored(in: harness)
    }

    func testShowExtractAndVerifyRepairReadThroughTheMirrorWithTheOriginGone() throws {
        // A mirror that holds the model and an image itself (a registry pre-seeded).
        let mirror = try RegistryProcess()
        defer { mirror.stop() }
        try ModelSeeder.write(model, to: mirror.storageRoot, repository: "library/tiny", tag: "v1")
        let tar = harness.scratch.appendingPathComponent("layer.tar")
        try TarBuilder.write([.file("hello", contents: "from the mirror\n")], to: tar)
        let image = try ImageSeeder.image([.compressing(tar, with: .gzip)], in: harness.scratch.appendingPathComponent("image"))
        try ModelSeeder.write(image, to: mirror.storageRoot, repository: "library/image", tag: "v1")
        let conf = try registriesConf(mirrors: Self.mirrorTable(mirror.host))
        XCTAssertEqual(try run(["pull", reference], in: harness, conf: conf).status, 0)
        originFront.stop()

        let show = try run(["show", reference, "--remote", "--insecure"], in: harness, conf: conf)
        XCTAssertEqual(show.status, 0, show.err)
        XCTAssertTrue(show.out.text.contains(model.manifestDigest), show.out.text)

        let root = harness.scratch.appendingPathComponent("rootfs")
        let extract = try run(["extract", "\(originFront.host)/library/image:v1", root.path, "--insecure"], in: harness, conf: conf)
        XCTAssertEqual(extract.status, 0, extract.err)
        XCTAssertEqual(try String(contentsOf: root.appendingPathComponent("hello"), encoding: .utf8), "from the mirror\n")

        let weights = harness.blobPath(model.layers[0].digest)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: weights))
        try handle.seek(toOffset: 10)
        handle.write(Data([0xFF, 0x00, 0xFF]))
        try handle.close()
        let repair = try run(["verify", "--repair", "--insecure"], in: harness, conf: conf)
        XCTAssertEqual(repair.status, 0, repair.err + repair.out.text)
        harness.assertBlobsVerified(model)
    }
}
