import Foundation
import ModelGet
import TestSupport
import XCTest

/// `outdated`, `pull --outdated` and the dry runs, against a real
/// docker-registry behind a `FaultProxy` that counts what it serves: a tag
/// re-pushed with other content is the one model listed, found with no
/// blob read; `pull --outdated` re-pulls just it; `--dry-run` says what is
/// missing and what is free, and writes nothing.
final class OutdatedTests: XCTestCase {
    private var harness: CLIHarness!
    private var registry: RegistryProcess!
    private var front: FaultProxy!

    override func setUpWithError() throws {
        harness = try CLIHarness()
        registry = try RegistryProcess()
        front = try FaultProxy(upstreamPort: registry.port)
    }

    override func tearDown() {
        front.stop()
        registry.stop()
        registry = nil
        harness.cleanUp()
    }

    private func run(_ arguments: [String]) throws -> (status: Int32, out: Data, err: String) {
        let conf = harness.scratch.path + "/registries.conf"
        if !FileManager.default.fileExists(atPath: conf) { try "".write(toFile: conf, atomically: true, encoding: .utf8) }
        return try harness.run(arguments, environment: harness.isolatedEnvironment(["CONTAINERS_REGISTRIES_CONF": conf]))
    }

    private func seed(_ name: String, seed: UInt64) throws -> GeneratedModel {
        try CLIHarness.seed(registry, "library/\(name)", tag: "v1", sizes: [400_000, 30_000], seed: seed, in: harness.scratch)
    }

    private func storedManifest(_ name: String) -> Data? {
        FileManager.default.contents(atPath: harness.models.path + "/manifests/\(front.host)/library/\(name)/v1")
    }

    func testARePushedTagIsTheOneModelListedWithNoBlobReadAndPullOutdatedRePullsJustIt() throws {
        _ = try seed("alpha", seed: 81)
        let beta = try seed("beta", seed: 82)
        for name in ["alpha", "beta"] {
            let pull = try run(["pull", "\(front.host)/library/\(name):v1", "--insecure"])
            XCTAssertEqual(pull.status, 0, pull.err)
        }
        let newAlpha = try seed("alpha", seed: 83)

        let before = (requests: front.requests.count, bytes: front.bytesSent)
        let check = try run(["outdated", "--insecure", "--json"])
        XCTAssertEqual(check.status, 0, check.err)
        let lines = check.out.text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        XCTAssertEqual(lines.count, 2, check.out.text)
        let outdated = lines.filter { $0["status"] as? String == "outdated" }
        XCTAssertEqual(outdated.map { $0["reference"] as? String }, ["\(front.host)/library/alpha:v1"])
        XCTAssertEqual(outdated.first?["remote"] as? String, newAlpha.manifestDigest)
        XCTAssertEqual(lines.filter { $0["status"] as? String == "up-to-date" }.map { $0["reference"] as? String },
                       ["\(front.host)/library/beta:v1"])
        let asked = front.requests.dropFirst(before.requests)
        XCTAssertFalse(asked.contains { $0.path.contains("/blobs/") }, "\(asked.map { "\($0.method) \($0.path)" })")
        XCTAssertEqual(asked.filter { $0.path.contains("/manifests/") }.map(\.method), ["HEAD", "HEAD"])
        XCTAssertLessThan(front.bytesSent - before.bytes, 8 << 10, "heads only: no blob byte crossed the relay")

        let text = try run(["outdated", "--insecure"])
        XCTAssertEqual(text.status, 0, text.err)
        XCTAssertTrue(text.out.text.contains("1 of 2 outdated"), text.out.text)

        let repull = try run(["pull", "--outdated", "--insecure"])
        XCTAssertEqual(repull.status, 0, repull.err)
        XCTAssertTrue(repull.out.text.contains("pulled \(front.host)/library/alpha:v1"), repull.out.text)
        XCTAssertFalse(repull.out.text.contains("library/beta"), repull.out.text)
        XCTAssertEqual(storedManifest("alpha"), newAlpha.manifest)
        XCTAssertEqual(storedManifest("beta"), beta.manifest)
        let again = try run(["outdated", "--insecure"])
        XCTAssertTrue(again.out.text.contains("0 of 2 outdated"), again.out.text)
    }

    func testAModelPulledFromAnIndexIsCurrentWhileTheTagsIndexListsItsManifest() throws {
        func image(_ arch: String, _ text: String) throws -> GeneratedModel {
            let tar = harness.scratch.appendingPathComponent("\(arch)-\(text).tar")
            try TarBuilder.write([.file("platform", contents: text)], to: tar)
            return try ImageSeeder.image([.compressing(tar, with: .gzip)], architecture: arch, config: ["Cmd": ["/bin/\(arch)"]],
                                         in: harness.scratch.appendingPathComponent("blobs-\(arch)-\(text)"))
        }
        let amd64 = try image("amd64", "one"), arm64 = try image("arm64", "one")
        _ = try ImageSeeder.writeIndex([(amd64, "linux", "amd64", nil), (arm64, "linux", "arm64", nil)],
                                       to: registry.storageRoot, repository: "multi/image", tag: "v1")
        let pull = try run(["pull", "\(front.host)/multi/image:v1", "--insecure", "--platform", "linux/arm64"])
        XCTAssertEqual(pull.status, 0, pull.err)
        XCTAssertTrue(try run(["outdated", "--insecure"]).out.text.contains("0 of 1 outdated"))

        // The tag's index now lists another arm64 image: the stored one is outdated.
        let newer = try image("arm64", "two")
        _ = try ImageSeeder.writeIndex([(amd64, "linux", "amd64", nil), (newer, "linux", "arm64", nil)],
                                       to: registry.storageRoot, repository: "multi/image", tag: "v1")
        let check = try run(["outdated", "--insecure"])
        XCTAssertTrue(check.out.text.contains("1 of 1 outdated"), check.out.text)
        XCTAssertFalse(front.requests.contains { $0.path.contains("/blobs/") && $0.method == "GET" && $0.path.contains(newer.layers[0].digest) })
    }

    func testDryRunsSayWhatIsMissingAndWhatIsFreeAndWriteNothing() throws {
        let model = try seed("gamma", seed: 84)
        let dry = try run(["pull", "\(front.host)/library/gamma:v1", "--insecure", "--dry-run", "--json"])
        XCTAssertEqual(dry.status, 0, dry.err)
        let plan = try XCTUnwrap(try JSONSerialization.jsonObject(with: dry.out) as? [String: Any])
        XCTAssertEqual(plan["event"] as? String, "plan")
        XCTAssertEqual(plan["blobs_missing"] as? Int, 3)
        XCTAssertEqual((plan["missing_bytes"] as? NSNumber)?.int64Value, model.totalSize)
        XCTAssertGreaterThan((plan["free_bytes"] as? NSNumber)?.int64Value ?? 0, 0)
        XCTAssertEqual(plan["fits"] as? Bool, true)
        XCTAssertFalse(front.requests.contains { $0.path.contains("/blobs/") }, "no blob read")
        XCTAssertFalse(FileManager.default.fileExists(atPath: harness.models.path + "/blobs"), "nothing written")

        let text = try run(["pull", "\(front.host)/library/gamma:v1", "--insecure", "--dry-run"])
        XCTAssertTrue(text.out.text.contains("would fetch 3 of 3 blobs, \(ProgressFormat.bytes(model.totalSize)) still missing"), text.out.text)
        XCTAssertTrue(text.out.text.contains("free in \(harness.models.path)"), text.out.text)

        let list = harness.scratch.appendingPathComponent("models.json")
        try Data("{\"models\": [{\"name\": \"\(front.host)/library/gamma:v1\", \"insecure\": true}]}".utf8).write(to: list)
        let sync = try run(["sync", list.path, "--dry-run"])
        XCTAssertEqual(sync.status, 0, sync.err)
        XCTAssertTrue(sync.out.text.contains("would fetch 3 blobs, \(ProgressFormat.bytes(model.totalSize)) still missing"), sync.out.text)
        XCTAssertTrue(sync.out.text.contains("free in \(harness.models.path)"), sync.out.text)
        XCTAssertFalse(front.requests.contains { $0.path.contains("/blobs/") }, "no blob read")
    }
}
