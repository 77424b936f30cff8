import Foundation
import TestSupport
import XCTest

/// `modelget blob` against a real docker-registry.
final class BlobExportTests: XCTestCase {
    func testBlobFromNetworkThenFromStoreToFileAndStdout() throws {
        let registry = try RegistryProcess()
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        let model = try CLIHarness.seed(registry, "team/tiny", sizes: [3 << 20, 300, 100], seed: 1, in: cli.scratch)
        let ref = "\(registry.host)/team/tiny:latest"
        let weights = try Data(contentsOf: model.layers[0].path)
        let file = cli.scratch.appendingPathComponent("out/weights.gguf")
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)

        // Not in the store: downloaded straight to the file, not kept. HTTPS is tried once, not once per
        // step (the tensor-model check, the weights' layer, the download): a registry whose HTTPS port is
        // silent costs the stall timeout once.
        var run = try cli.run(["blob", ref, "-o", file.path, "--insecure", "--debug"])
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertEqual(run.err.split(separator: "\n").filter { $0.hasPrefix("> GET https://") }.count, 1, run.err)
        XCTAssertEqual(try Data(contentsOf: file), weights)
        XCTAssertFalse(FileManager.default.fileExists(atPath: cli.blobPath(model.layers[0].digest)))
        XCTAssertFalse(FileManager.default.fileExists(atPath: file.deletingLastPathComponent().appendingPathComponent(".modelget-partial").path))

        // To stdout from the network.
        run = try cli.run(["blob", ref, "-o", "-", "--insecure", "--media-type", "application/vnd.ollama.image.template"])
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertEqual(run.out, try Data(contentsOf: model.layers[1].path))

        // Pulled into the store: exported with the registry gone.
        XCTAssertEqual(try cli.run(["pull", ref, "--insecure"]).status, 0)
        registry.stop()
        try FileManager.default.removeItem(at: file)
        run = try cli.run(["blob", ref, "-o", file.path])
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertEqual(try Data(contentsOf: file), weights)
        run = try cli.run(["blob", ref, "-o", "-"])
        XCTAssertEqual(run.out, weights)

        // A layer the model does not have: the message lists what it has.
        run = try cli.run(["blob", ref, "-o", "-", "--media-type", "application/vnd.ollama.image.projector"])
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.err.contains("its layers: application/vnd.ollama.image.model"), run.err)
    }

    /// Whatever the output, a model the store lacks costs one manifest
    /// request: the tensor-model check, the weights' layers and the download
    /// all read the manifest the command resolved once (before, `-o FILE`
    /// and `-o -` asked three times, a tensor folder twice). One resolution
    /// of an index is two GETs: the index, then its platform's image.
    func testEachOutputShapeAsksForTheManifestOnce() throws {
        let registry = try RegistryProcess()
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        let model = try CLIHarness.seed(registry, "team/once", sizes: [200_000, 300], seed: 31, in: cli.scratch)
        let tensors = try TensorModelSeeder.model(tensorLayers: 6, minBytes: 200, maxBytes: 4_000, seed: 32,
                                                  in: cli.scratch.appendingPathComponent("tensor-seed"))
        try ModelSeeder.write(tensors.model, to: registry.storageRoot, repository: "x/once", tag: "9b")
        let arm64 = try ModelSeeder.ollamaModel(layerSizes: [100_000, 200], seed: 33, in: cli.scratch.appendingPathComponent("gen-arm64"))
        _ = try ImageSeeder.writeIndex([(model, "linux", "amd64", nil), (arm64, "linux", "arm64", nil)],
                                       to: registry.storageRoot, repository: "team/multi", tag: "v1")
        let name = "\(registry.host)/team/once"
        let out = cli.scratch.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)

        /// The manifest requests `blob ARGUMENTS` sent, and what it wrote to stdout.
        func manifestRequests(_ arguments: [String]) throws -> (requests: [Substring], out: Data) {
            let run = try cli.run(["blob"] + arguments + ["--insecure", "--debug"])
            XCTAssertEqual(run.status, 0, "\(arguments): \(run.err)")
            return (run.err.split(separator: "\n").filter { $0.hasPrefix("> ") && $0.contains("/manifests/") }, run.out)
        }
        let weights = try Data(contentsOf: model.layers[0].path)
        var run = try manifestRequests([name, "-o", out.path + "/weights.gguf"])
        XCTAssertEqual(run.requests.count, 1, run.requests.joined(separator: "\n"))
        XCTAssertEqual(try Data(contentsOf: out.appendingPathComponent("weights.gguf")), weights)
        run = try manifestRequests([name, "-o", "-"])
        XCTAssertEqual(run.requests.count, 1, run.requests.joined(separator: "\n"))
        XCTAssertEqual(run.out, weights)
        run = try manifestRequests([name, "-o", out.path + "/template", "--media-type", "application/vnd.ollama.image.template"])
        XCTAssertEqual(run.requests.count, 1, run.requests.joined(separator: "\n"))
        run = try manifestRequests([name, "-o", "-", "--digest", model.layers[1].digest])
        XCTAssertEqual(run.requests.count, 1, run.requests.joined(separator: "\n"))
        XCTAssertEqual(run.out, try Data(contentsOf: model.layers[1].path))

        // A tensor model's folder: its blobs pulled from the image already found.
        run = try manifestRequests(["\(registry.host)/x/once:9b", "-o", out.path + "/flux/"])
        XCTAssertEqual(run.requests.count, 1, run.requests.joined(separator: "\n"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: out.path + "/flux/model_index.json"))

        // An index: the index, then the platform's image, once each.
        run = try manifestRequests(["\(registry.host)/team/multi:v1", "-o", "-", "--platform", "linux/arm64"])
        XCTAssertEqual(run.requests.map { $0.split(separator: "/").last ?? "" }, ["v1", Substring(arm64.manifestDigest)])
        XCTAssertEqual(run.out, try Data(contentsOf: arm64.layers[0].path))
    }

    /// `name:tag@sha256:X` whose stored manifest is not X is not taken from
    /// the store (as show, rm, verify and push refuse it); `blob` then asks
    /// the registry for manifest X, as for any model the store lacks.
    func testAPinTheStoredManifestDoesNotMatchIsFetchedFromTheRegistry() throws {
        let registry = try RegistryProcess()
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        let stored = try CLIHarness.seed(registry, "team/pinned", tag: "v1", sizes: [200_000, 300], seed: 21, in: cli.scratch)
        let other = try CLIHarness.seed(registry, "team/pinned", tag: "v2", sizes: [150_000, 200], seed: 22, in: cli.scratch)
        let name = "\(registry.host)/team/pinned:v1"
        XCTAssertEqual(try cli.run(["pull", name, "--insecure"]).status, 0)
        let manifestFile = cli.models.path + "/manifests/\(registry.host)/team/pinned/v1"
        let file = cli.scratch.appendingPathComponent("weights.gguf")

        // The pin names the registry's other manifest: its weights are downloaded, the store is left as it was.
        var run = try cli.run(["blob", name + "@" + other.manifestDigest, "-o", file.path, "--insecure"])
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertEqual(try Data(contentsOf: file), try Data(contentsOf: other.layers[0].path))
        XCTAssertTrue(run.out.text.contains("downloaded"), run.out.text)
        run = try cli.run(["blob", name + "@" + other.manifestDigest, "-o", "-", "--insecure"])
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertEqual(run.out, try Data(contentsOf: other.layers[0].path))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: manifestFile)), stored.manifest)
        XCTAssertFalse(FileManager.default.fileExists(atPath: cli.blobPath(other.layers[0].digest)))

        // The store commands refuse the same pin.
        run = try cli.run(["show", name + "@" + other.manifestDigest])
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.err.contains("no such model"), run.err)

        // A pin the registry does not have either: the registry's answer, not the store's weights.
        let unknown = "sha256:" + String(repeating: "ab", count: 32)
        try FileManager.default.removeItem(at: file)
        run = try cli.run(["blob", name + "@" + unknown, "-o", file.path, "--insecure"])
        XCTAssertEqual(run.status, 1, run.out.text)
        XCTAssertTrue(run.err.contains("manifest not found"), run.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: file.path))

        // The matching pin is the stored model: no registry needed.
        registry.stop()
        run = try cli.run(["blob", name + "@" + stored.manifestDigest, "-o", file.path])
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertEqual(try Data(contentsOf: file), try Data(contentsOf: stored.layers[0].path))
        XCTAssertTrue(run.out.text.contains("from the store"), run.out.text)
    }

    func testBlobKilledMidwayLeavesNoFileAndResumes() throws {
        let registry = try RegistryProcess()
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        let model = try CLIHarness.seed(registry, "big/model", sizes: [512 << 20, 100], seed: 7, in: cli.scratch)
        let ref = "\(registry.host)/big/model:latest"
        let file = cli.scratch.appendingPathComponent("weights.gguf")
        let partial = cli.scratch.path + "/.modelget-partial/.modelget/partial/" + model.layers[0].digest.replacingOccurrences(of: ":", with: "-")

        let (process, _, _) = try cli.start(["blob", ref, "-o", file.path, "--insecure"])
        var sawBytes = false
        while process.isRunning {
            if let size = try? FileManager.default.attributesOfItem(atPath: partial)[.size] as? Int, size > 0 {
                kill(process.processIdentifier, SIGKILL)
                sawBytes = true
                break
            }
            usleep(200)
        }
        process.waitUntilExit()
        XCTAssertTrue(sawBytes, "the download finished before it could be killed")
        XCTAssertFalse(FileManager.default.fileExists(atPath: file.path), "a killed export left a file under the final name")

        let run = try cli.run(["blob", ref, "-o", file.path, "--insecure"])
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertEqual(try FileIOCompare.sameBytes(file, model.layers[0].path), true)
    }
}

/// Compares two files piece by piece.
enum FileIOCompare {
    static func sameBytes(_ a: URL, _ b: URL) throws -> Bool {
        let ha = try FileHandle(forReadingFrom: a), hb = try FileHandle(forReadingFrom: b)
        defer { try? ha.close(); try? hb.close() }
        while true {
            let x = try ha.read(upToCount: 8 << 20) ?? Data(), y = try hb.read(upToCount: 8 << 20) ?? Data()
            if x != y { return false }
            if x.isEmpty { return true }
        }
    }
}
