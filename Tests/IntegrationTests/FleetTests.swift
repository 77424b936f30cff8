import Foundation
import ModelGet
import TestSupport
import XCTest

/// README's "Many machines", run as written: each snippet is read from
/// the page (the fenced block after its `<!-- fleet: NAME -->` marker),
/// its names replaced by loopback ports, and a LAN pointed at (a) a
/// distribution registry in proxy mode, (b) `modelget serve --upstream`,
/// (c) nginx as a caching proxy, (d) a private registry `sync` pre-seeded.
/// The origin is a real docker-registry behind a `FaultProxy` that counts
/// what it serves; a second client pulling through the cache costs the
/// origin no blob.
final class FleetTests: XCTestCase {
    private var harness: CLIHarness!
    private var origin: RegistryProcess!
    private var originFront: FaultProxy!
    private var model: GeneratedModel!

    override func setUpWithError() throws {
        harness = try CLIHarness()
        origin = try RegistryProcess()
        originFront = try FaultProxy(upstreamPort: origin.port)
        model = try CLIHarness.seed(origin, "library/tiny", tag: "v1", sizes: [800_000, 20_000], seed: 91, in: harness.scratch)
    }

    override func tearDown() {
        originFront.stop()
        origin.stop()
        origin = nil
        harness.cleanUp()
    }

    /// The fenced block after `<!-- fleet: name -->` in README.md, with
    /// the page's names replaced: `origin.example` by the origin (plain
    /// HTTP here), and `names` (e.g. `cache.lan:5000`) by their hosts.
    private func snippet(_ name: String, _ names: [String: String] = [:]) throws -> String {
        let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("README.md")
        let lines = try String(contentsOf: readme, encoding: .utf8).components(separatedBy: "\n")
        guard let marker = lines.firstIndex(of: "<!-- fleet: \(name) -->"), marker + 1 < lines.count, lines[marker + 1].hasPrefix("```"),
              let end = lines[(marker + 2)...].firstIndex(where: { $0.hasPrefix("```") }) else {
            throw XCTSkip("README.md has no fleet snippet \(name)")
        }
        var text = lines[(marker + 2)..<end].joined(separator: "\n") + "\n"
        let all = names.merging(["https://origin.example": "http://\(originFront.host)", "origin.example": originFront.host]) { $1 }
        // The longest first: "https://origin.example" before "origin.example".
        for placeholder in all.keys.sorted(by: { $0.count > $1.count }) {
            text = text.replacingOccurrences(of: placeholder, with: all[placeholder]!)
        }
        return text
    }

    private func run(_ arguments: [String], in harness: CLIHarness, conf: String) throws -> (status: Int32, out: Data, err: String) {
        let path = harness.scratch.path + "/registries-\(UUID().uuidString).conf"
        try conf.write(toFile: path, atomically: true, encoding: .utf8)
        return try harness.run(arguments, environment: harness.isolatedEnvironment(["CONTAINERS_REGISTRIES_CONF": path]))
    }

    private var originBlobGets: Int { originFront.requests.filter { $0.method == "GET" && $0.path.contains("/blobs/") }.count }

    /// Two machines pull through `cache` with README's registries.conf:
    /// both get the model, verified; the second costs the origin no blob.
    private func assertTwoMachinesPullThrough(cacheHost: String, settle: () throws -> Void = {}, file: StaticString = #filePath, line: UInt = #line) throws {
        let conf = try snippet("registries.conf", ["cache.lan:5000": cacheHost])
        // The origin here is plain HTTP: --insecure is for it (the cache's insecure comes from the file).
        let first = try run(["pull", "\(originFront.host)/library/tiny:v1", "--insecure"], in: harness, conf: conf)
        XCTAssertEqual(first.status, 0, first.err, file: file, line: line)
        try settle()
        let before = (gets: originBlobGets, bytes: originFront.bytesSent)
        let second = try CLIHarness()
        defer { second.cleanUp() }
        let pull = try run(["pull", "\(originFront.host)/library/tiny:v1", "--insecure"], in: second, conf: conf)
        XCTAssertEqual(pull.status, 0, pull.err, file: file, line: line)
        for machine in [harness!, second] { machine.assertBlobsVerified(model, file: file, line: line) }
        XCTAssertEqual(originBlobGets, before.gets, "the second machine cost the origin no blob", file: file, line: line)
        XCTAssertLessThan(originFront.bytesSent - before.bytes, 16 << 10, "manifests and pings at most", file: file, line: line)
    }

    func testADistributionRegistryInProxyMode() throws {
        let cache = try RegistryProcess(pullThrough: (URL(string: "http://\(originFront.host)")!, nil, nil))
        defer { cache.stop() }
        let config = try String(contentsOf: cache.directory.appendingPathComponent("config.yml"), encoding: .utf8)
        XCTAssertTrue(config.contains(try snippet("docker-registry proxy")), "the cache runs README's proxy section:\n\(config)")
        try assertTwoMachinesPullThrough(cacheHost: cache.host) {
            // distribution stores a blob it streamed with a second fetch of its own: wait for it.
            let deadline = Date().addingTimeInterval(10)
            let paths = ([model.config] + model.layers).map {
                cache.storageRoot.path + "/docker/registry/v2/blobs/sha256/\($0.digest.dropFirst(7).prefix(2))/\($0.digest.dropFirst(7))/data"
            }
            while !paths.allSatisfy({ FileManager.default.fileExists(atPath: $0) }) && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        }
    }

    func testModelgetServeWithUpstream() throws {
        let cacheModels = harness.scratch.appendingPathComponent("cache-models")
        let line = try snippet("serve", ["0.0.0.0:5000": "127.0.0.1:0", "/srv/models": cacheModels.path])
        let arguments = line.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: " ").map(String.init)
        XCTAssertEqual(arguments.first, "modelget")
        let serve = try ServeLauncher(commandLine: Array(arguments.dropFirst()))
        defer { serve.stop() }
        try assertTwoMachinesPullThrough(cacheHost: serve.host)
    }

    func testNginxAsACachingProxy() throws {
        let nginx = try NginxSite { port, directory in
            try self.snippet("nginx cache", ["/var/cache/nginx/registry": directory.path + "/cache",
                                             "listen 5000;": "listen 127.0.0.1:\(port);"])
        }
        defer { nginx.stop() }
        try assertTwoMachinesPullThrough(cacheHost: nginx.host)
    }

    func testSyncPreSeedsAPrivateRegistryTheLANReadsWithTheOriginGone() throws {
        let lan = try RegistryProcess()
        defer { lan.stop() }
        // The loopback origin is plain HTTP: the list says so for its one model.
        let list = try snippet("models.json", ["registry.lan:5000": lan.host])
            .replacingOccurrences(of: "\"\(originFront.host)/library/tiny:v1\"", with: "{\"name\": \"\(originFront.host)/library/tiny:v1\", \"insecure\": true}")
        let seeder = try CLIHarness()
        defer { seeder.cleanUp() }
        let listFile = seeder.scratch.appendingPathComponent("models.json")
        try list.write(to: listFile, atomically: true, encoding: .utf8)
        let sync = try run(["sync", listFile.path], in: seeder, conf: "")
        XCTAssertEqual(sync.status, 0, sync.err + sync.out.text)
        XCTAssertTrue(sync.out.text.contains("pushed to \(lan.host)/ollama/library/tiny:v1"), sync.out.text)

        originFront.stop()
        origin.stop()
        let conf = try snippet("registries.conf pre-seeded", ["registry.lan:5000": lan.host])
        let pull = try run(["pull", "\(originFront.host)/library/tiny:v1", "--insecure"], in: harness, conf: conf)
        XCTAssertEqual(pull.status, 0, pull.err)
        let manifest = harness.models.path + "/manifests/\(originFront.host)/library/tiny/v1"
        XCTAssertEqual(FileManager.default.contents(atPath: manifest), model.manifest)
        harness.assertBlobsVerified(model)
    }
}
