import Foundation
import TestSupport
import XCTest

/// The store commands on a models directory written the way ollama writes
/// it (a mixed-case `hf.co` model, a `localhost:5000` host, ollama's own
/// partial files, a garbage file at depth 4, a symlinked manifest, a
/// manifest far deeper than ollama looks): `list`, `show`, `rm` of another
/// model, `prune` and `verify` keep every blob each model needs.
final class OllamaWrittenStoreTests: XCTestCase {
    private var cli: CLIHarness!
    private var store: OllamaStoreWriter { OllamaStoreWriter(models: cli.models) }

    override func setUpWithError() throws { cli = try CLIHarness() }
    override func tearDownWithError() throws { cli.cleanUp() }

    private func model(_ sizes: [Int64], seed: UInt64) throws -> GeneratedModel {
        try ModelSeeder.ollamaModel(layerSizes: sizes, seed: seed, in: cli.scratch.appendingPathComponent("gen-\(seed)-\(sizes.count)"))
    }

    func testEveryStoreCommandKeepsWhatEachModelNeeds() throws {
        let hf = try model([3000, 200], seed: 1)
        let local = try model([2000, 100], seed: 2)
        let other = try model([1500, 300], seed: 3)
        let linked = try model([1500], seed: 3)   // shares its weights with `other`
        let deep = try model([700], seed: 4)
        try store.place(hf, at: "hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF/Q4_K_M")
        try store.place(local, at: "localhost:5000/library/tiny/latest")
        try store.place(other, at: "registry.ollama.ai/library/other/latest")
        for blob in [linked.config] + linked.layers { try store.placeBlob(blob) }
        try linked.manifest.write(to: cli.scratch.appendingPathComponent("linked-manifest"))
        try FileManager.default.createDirectory(at: cli.models.appendingPathComponent("manifests/registry.ollama.ai/library/linked"),
                                                withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: cli.models.path + "/manifests/registry.ollama.ai/library/linked/latest",
                                                   withDestinationPath: cli.scratch.path + "/linked-manifest")
        for blob in [deep.config] + deep.layers { try store.placeBlob(blob) }
        let deepPath = "manifests/" + (0..<70).map { "d\($0)" }.joined(separator: "/") + "/latest"
        try store.write(deep.manifest, at: deepPath)
        try store.write(Data("\u{0}garbage, not a manifest".utf8), at: "manifests/registry.ollama.ai/library/garbage/latest")
        let ollamaPartial = "blobs/sha256-" + String(repeating: "9", count: 64) + "-partial"
        try store.write(Data(count: 4096), at: ollamaPartial)
        try store.write(Data("{\"N\":0,\"Offset\":0,\"Size\":4096,\"Completed\":1024}".utf8), at: ollamaPartial + "-0")

        var run = try cli.run(["list"])
        XCTAssertEqual(run.status, 0, run.err)
        for name in ["hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M", "localhost:5000/library/tiny:latest", "other:latest", "linked:latest"] {
            XCTAssertTrue(run.out.text.contains(name), "list shows \(name):\n\(run.out.text)")
        }
        XCTAssertTrue(run.err.contains("library/garbage/latest") && run.err.contains("d69/latest"), run.err)

        run = try cli.run(["show", "hf.co/BARTOWSKI/llama-3.2-1b-instruct-gguf:q4_k_m"])
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertTrue(run.out.text.contains("hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M"), run.out.text)

        run = try cli.run(["rm", "Other"])
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: cli.blobPath(other.layers[1].digest)), "other's own blob went")
        XCTAssertTrue(store.holdsEveryBlob(of: linked), "the symlinked manifest keeps the weights it shares")

        run = try cli.run(["prune"])
        XCTAssertEqual(run.status, 0, run.err)
        for kept in [hf, local, linked, deep] { XCTAssertTrue(store.holdsEveryBlob(of: kept), run.out.text) }
        XCTAssertTrue(FileManager.default.fileExists(atPath: cli.models.path + "/" + ollamaPartial), "a recent ollama partial may be in use")

        run = try cli.run(["verify"])
        XCTAssertEqual(run.status, 1, "unreadable manifests make verify fail:\n\(run.out.text)")
        XCTAssertTrue(run.out.text.contains("unreadable manifest") && run.out.text.contains("library/garbage/latest"), run.out.text)
        XCTAssertFalse(run.out.text.contains("missing"), run.out.text)
        try FileManager.default.removeItem(at: cli.models.appendingPathComponent("manifests/registry.ollama.ai/library/garbage"))
        try FileManager.default.removeItem(at: cli.models.appendingPathComponent("manifests/d0"))
        run = try cli.run(["verify"])
        XCTAssertEqual(run.status, 0, run.out.text)
        XCTAssertTrue(run.out.text.contains("all good"), run.out.text)
    }

    func testAPinnedDigestThatIsNotTheStoredOneIsNoSuchModel() throws {
        let other = try model([100], seed: 5)
        try store.place(other, at: "registry.ollama.ai/library/other/latest")
        let wrong = "sha256:" + String(repeating: "0", count: 64)
        var run = try cli.run(["rm", "other:latest@\(wrong)"])
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.err.contains("no such model"), run.err)
        XCTAssertTrue(store.holdsEveryBlob(of: other))
        run = try cli.run(["show", "other:latest@\(other.manifestDigest)"])
        XCTAssertEqual(run.status, 0, run.err)

        let registry = try RegistryProcess()
        run = try cli.run(["push", "other:latest@\(wrong)", "\(registry.host)/library/other:latest", "--insecure"])
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.err.contains("no such model"), run.err)
        run = try cli.run(["push", "OTHER:Latest", "\(registry.host)/library/other:latest", "--insecure"])
        XCTAssertEqual(run.status, 0, "push finds the stored model ignoring case: \(run.err)")
    }

    /// modelget run by a user who cannot read part of `manifests/` (here
    /// `nobody`, with one folder root's alone): prune and rm delete
    /// nothing and say why, verify exits 1.
    func testAnUnreadableFolderStopsPruneAndRemove() throws {
        try XCTSkipUnless(geteuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"), "needs root and setpriv")
        let open = try model([100], seed: 6)
        let secret = try model([200], seed: 7)
        try store.place(open, at: "registry.ollama.ai/library/open/latest")
        try store.place(secret, at: "registry.ollama.ai/private/secret/latest")
        for path in try FileManager.default.subpathsOfDirectory(atPath: cli.scratch.path) + [""] {
            XCTAssertEqual(lchown(cli.scratch.path + "/" + path, 65534, 65534), 0)
        }
        let hidden = cli.models.path + "/manifests/registry.ollama.ai/private"
        XCTAssertEqual(chown(hidden, 0, 0), 0)
        XCTAssertEqual(chmod(hidden, 0o700), 0)

        func runAsNobody(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
            process.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", CLIHarness.binary.path] + arguments + ["--models", cli.models.path]
            let out = Pipe(), err = Pipe()
            process.standardOutput = out
            process.standardError = err
            try process.run()
            let output = out.fileHandleForReading.readDataToEndOfFile(), errors = err.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return (process.terminationStatus, output.text, errors.text)
        }
        var run = try runAsNobody(["prune"])
        XCTAssertEqual(run.status, 1, run.out)
        XCTAssertTrue(run.err.contains(hidden) && run.err.contains("no blob deleted"), run.err)
        run = try runAsNobody(["rm", "open"])
        XCTAssertEqual(run.status, 1, run.out)
        XCTAssertTrue(FileManager.default.fileExists(atPath: cli.models.path + "/manifests/registry.ollama.ai/library/open/latest"))
        run = try runAsNobody(["verify"])
        XCTAssertEqual(run.status, 1, run.out)
        XCTAssertTrue(run.out.contains(hidden), run.out)
        XCTAssertTrue(store.holdsEveryBlob(of: secret) && store.holdsEveryBlob(of: open))
    }
}
