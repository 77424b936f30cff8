import Foundation
import TestSupport
import XCTest

/// `modelget export` / `import` against skopeo's `oci-archive:`,
/// `docker-archive:` and `dir:` transports and a real docker-registry.
final class ExportImportTests: XCTestCase {
    func testExportIsReadBySkopeoAndRoundTripsByteForByte() throws {
        let registry = try RegistryProcess()
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        let model = try CLIHarness.seed(registry, "team/tiny", sizes: [3 << 20, 300, 100], seed: 11, in: cli.scratch)
        let ref = "\(registry.host)/team/tiny:latest"
        XCTAssertEqual(try cli.run(["pull", ref, "--insecure"]).status, 0)
        let archive = cli.scratch.appendingPathComponent("tiny.tar")
        var run = try cli.run(["export", ref, "-o", archive.path])
        XCTAssertEqual(run.status, 0, run.err)

        // skopeo 1.9 refuses a Docker-typed manifest with Ollama layer types,
        // so it reads the OCI twin (same layers, OCI manifest and config).
        let twin = try ModelSeeder.ociModel(layerSizes: [3 << 20, 300, 100], seed: 11, in: cli.scratch.appendingPathComponent("twin"))
        try ModelSeeder.write(twin, to: registry.storageRoot, repository: "team/twin", tag: "latest")
        let twinRef = "\(registry.host)/team/twin:latest"
        XCTAssertEqual(try cli.run(["pull", twinRef, "--insecure"]).status, 0)
        let twinArchive = cli.scratch.appendingPathComponent("twin.tar")
        XCTAssertEqual(try cli.run(["export", twinRef, "-o", twinArchive.path]).status, 0)
        try runTool("skopeo", ["inspect", "oci-archive:\(twinArchive.path)"])
        let copied = cli.scratch.appendingPathComponent("skopeo-dir")
        try runTool("skopeo", ["copy", "oci-archive:\(twinArchive.path)", "dir:\(copied.path)"])
        XCTAssertEqual(try Data(contentsOf: copied.appendingPathComponent("manifest.json")), twin.manifest)
        for blob in [twin.config] + twin.layers {
            XCTAssertEqual(try Data(contentsOf: copied.appendingPathComponent(String(blob.digest.dropFirst(7)))),
                           try Data(contentsOf: blob.path))
        }

        // Into an empty store, from the tar and from the layout directory: the same bytes.
        let layout = cli.scratch.appendingPathComponent("layout")
        XCTAssertEqual(try cli.run(["export", ref, "-o", layout.path + "/"]).status, 0)
        for source in [archive, layout] {
            let empty = try CLIHarness()
            defer { empty.cleanUp() }
            let other = empty.models
            run = try empty.run(["import", source.path])
            XCTAssertEqual(run.status, 0, run.err)
            XCTAssertTrue(run.out.text.contains("imported \(registry.host)/team/tiny:latest"), run.out.text)
            let manifest = other.appendingPathComponent("manifests/\(registry.host)/team/tiny/latest")
            XCTAssertEqual(try Data(contentsOf: manifest), model.manifest)
            for blob in [model.config] + model.layers {
                let stored = other.appendingPathComponent("blobs/" + blob.digest.replacingOccurrences(of: ":", with: "-"))
                XCTAssertEqual(try Data(contentsOf: stored), try Data(contentsOf: blob.path))
            }
            XCTAssertEqual(try Self.leftovers(in: other), [])
            XCTAssertEqual(try empty.run(["verify"]).status, 0)
        }
    }

    func testSkopeoOCIAndDockerArchivesImportAndExtract() throws {
        let registry = try RegistryProcess()
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        let image = try LayeredImage.make(middle: .gzip, in: cli.scratch)
        try ModelSeeder.write(image, to: registry.storageRoot, repository: "images/layered", tag: "v1")
        let ref = "\(registry.host)/images/layered:v1"
        let direct = cli.scratch.appendingPathComponent("direct")
        XCTAssertEqual(try cli.run(["extract", ref, direct.path, "--insecure"]).status, 0)
        let expected = try FileTree(direct)

        let oci = cli.scratch.appendingPathComponent("oci.tar")
        try runTool("skopeo", ["copy", "--src-tls-verify=false", "docker://\(ref)", "oci-archive:\(oci.path)"])
        let docker = cli.scratch.appendingPathComponent("docker.tar")
        try runTool("skopeo", ["copy", "--src-tls-verify=false", "docker://\(ref)", "docker-archive:\(docker.path):images/layered:v1"])
        for (archive, name) in [(oci, "local/oci:v1"), (docker, "local/docker:v1")] {
            let run = try cli.run(["import", archive.path, "--as", name])
            XCTAssertEqual(run.status, 0, "\(archive.lastPathComponent): \(run.err)")
            XCTAssertEqual(try cli.run(["verify", name]).status, 0)
            let rootfs = cli.scratch.appendingPathComponent("rootfs-" + archive.lastPathComponent)
            let extract = try cli.run(["extract", name, rootfs.path])
            XCTAssertEqual(extract.status, 0, extract.err)
            XCTAssertEqual(try FileTree(rootfs).differences(from: expected), [], archive.lastPathComponent)
        }
        // docker save names the image itself.
        let named = try cli.run(["import", docker.path])
        XCTAssertEqual(named.status, 0, named.err)
        XCTAssertTrue(named.out.text.contains("images/layered:v1"), named.out.text)
    }

    func testCorruptArchivesAreRefusedAndLeaveTheStoreUntouched() throws {
        let registry = try RegistryProcess()
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        let model = try CLIHarness.seed(registry, "team/tiny", sizes: [1 << 20, 300], seed: 12, in: cli.scratch)
        let ref = "\(registry.host)/team/tiny:latest"
        XCTAssertEqual(try cli.run(["pull", ref, "--insecure"]).status, 0)
        let archive = cli.scratch.appendingPathComponent("tiny.tar")
        XCTAssertEqual(try cli.run(["export", ref, "-o", archive.path]).status, 0)
        let bytes = try Data(contentsOf: archive)
        let weightsHex = String(model.layers[0].digest.dropFirst(7))

        func layout(_ name: String, _ change: (URL) throws -> Void) throws -> URL {
            let directory = cli.scratch.appendingPathComponent(name)
            XCTAssertEqual(try cli.run(["export", ref, "-o", directory.path + "/"]).status, 0)
            try change(directory)
            return directory
        }
        let truncated = cli.scratch.appendingPathComponent("truncated.tar")
        try bytes.prefix(bytes.count / 2).write(to: truncated)
        let missing = try layout("missing") { try FileManager.default.removeItem(at: $0.appendingPathComponent("blobs/sha256/" + weightsHex)) }
        let corrupt = try layout("corrupt") { directory in
            let blob = directory.appendingPathComponent("blobs/sha256/" + weightsHex)
            var data = try Data(contentsOf: blob)
            data[100] ^= 0xff
            try FileManager.default.removeItem(at: blob)
            try data.write(to: blob)
        }
        let badJSON = try layout("badjson") { try Data("{\"manifests\": [".utf8).write(to: $0.appendingPathComponent("index.json")) }
        let escaping = cli.scratch.appendingPathComponent("escaping.tar")
        try TarBuilder.write([.file("oci-layout", contents: "{}"), .file("../evil", contents: "x")], to: escaping)
        let cases: [(URL, String)] = [
            (truncated, "truncated"), (missing, "missing blob sha256:\(weightsHex)"), (corrupt, "digest mismatch"),
            (badJSON, "index.json is not a valid image index"), (escaping, "refusing entry \"../evil\""),
        ]
        let empty = try CLIHarness()
        defer { empty.cleanUp() }
        let fresh = empty.models
        for (source, reason) in cases {
            let run = try empty.run(["import", source.path])
            XCTAssertEqual(run.status, 1, "\(source.lastPathComponent): \(run.err)")
            XCTAssertTrue(run.err.lowercased().contains(reason.lowercased()), "\(source.lastPathComponent): \(run.err)")
            XCTAssertEqual(run.err.split(separator: "\n").count, 1, run.err)
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: fresh.path + "/blobs"), [], source.lastPathComponent)
            XCTAssertEqual(try FileManager.default.subpathsOfDirectory(atPath: fresh.path + "/manifests"), [], source.lastPathComponent)
            XCTAssertEqual(try Self.leftovers(in: fresh), [], source.lastPathComponent)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: cli.scratch.deletingLastPathComponent().appendingPathComponent("evil").path))
    }

    /// What an import left under `.modelget/` beyond the store's own empty
    /// working folders (`partial/`, `tmp/`) and the store lock it held.
    private static func leftovers(in models: URL) throws -> [String] {
        try FileManager.default.subpathsOfDirectory(atPath: models.path + "/.modelget").filter { !["partial", "tmp", "store.lock"].contains($0) }
    }
}
