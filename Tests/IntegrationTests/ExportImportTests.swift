import Foundation
import ModelGet
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
        var run = try cli.run(["pull", ref, "--insecure"])
        XCTAssertEqual(run.status, 0, run.err)
        // Blobs are counted alike by pull, export and import: the config and the layers.
        XCTAssertTrue(run.out.summary.contains(": 4 blobs"), run.out.text)
        let archive = cli.scratch.appendingPathComponent("tiny.tar")
        run = try cli.run(["export", ref, "-o", archive.path])
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertTrue(run.out.summary.contains(": 4 blobs, \(ProgressFormat.bytes(model.totalSize))"), run.out.text)

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
            XCTAssertTrue(run.out.summary.contains(": 4 blobs, 4 new, \(ProgressFormat.bytes(model.totalSize))"), run.out.text)
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

        // skopeo's oci-archive:x.tar:v1 names only a tag: no model called v1:latest, --as names it.
        let tagged = cli.scratch.appendingPathComponent("tagged.tar")
        try runTool("skopeo", ["copy", "--src-tls-verify=false", "docker://\(ref)", "oci-archive:\(tagged.path):v1"])
        let refused = try cli.run(["import", tagged.path])
        XCTAssertEqual(refused.status, 1)
        XCTAssertEqual(refused.err.split(separator: "\n").count, 1, refused.err)
        XCTAssertTrue(refused.err.contains("names the image only by the tag \"v1\"") && refused.err.contains("--as NAME:v1"), refused.err)
        XCTAssertFalse(try cli.run(["list"]).out.text.contains("v1:latest"))
        let renamed = try cli.run(["import", tagged.path, "--as", "local/tagged:v1"])
        XCTAssertEqual(renamed.status, 0, renamed.err)
        XCTAssertTrue(renamed.out.text.contains("imported local/tagged:v1"), renamed.out.text)
    }

    /// A member name given twice (`tar -r`) means its last member, as
    /// `tar -x` leaves it; a layout reached through a symbolic link is
    /// imported; an import that replaces a stored model says so.
    func testRepeatedMembersLinkedLayoutsAndReplacedModels() throws {
        let registry = try RegistryProcess()
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        let tiny = try CLIHarness.seed(registry, "team/tiny", sizes: [1 << 20, 300], seed: 13, in: cli.scratch)
        let other = try CLIHarness.seed(registry, "team/other", sizes: [2_000, 30], seed: 14, in: cli.scratch)
        for name in ["tiny", "other"] { XCTAssertEqual(try cli.run(["pull", "\(registry.host)/team/\(name)", "--insecure"]).status, 0) }
        let layout = cli.scratch.appendingPathComponent("layout")
        XCTAssertEqual(try cli.run(["export", "\(registry.host)/team/tiny", "-o", layout.path + "/"]).status, 0)
        let archive = cli.scratch.appendingPathComponent("appended.tar")
        try runTool("tar", ["-cf", archive.path, "-C", layout.path, "."])
        // Appended: an index.json naming the image team/renamed:v2.
        let index = layout.appendingPathComponent("index.json")
        let renamedIndex = try String(contentsOf: index, encoding: .utf8)
            .replacingOccurrences(of: "\(registry.host)/team/tiny:latest", with: "\(registry.host)/team/renamed:v2")
        try Data(renamedIndex.utf8).write(to: index)
        try runTool("tar", ["-rf", archive.path, "-C", layout.path, "./index.json"])

        let store = try CLIHarness()
        defer { store.cleanUp() }
        var run = try store.run(["import", archive.path])
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertTrue(run.out.text.contains("imported \(registry.host)/team/renamed:v2"), run.out.text)

        let link = cli.scratch.appendingPathComponent("link-to-layout")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: layout)
        run = try store.run(["import", link.path, "--as", "team/linked"])
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertFalse(run.out.text.contains("replaced"), run.out.text)
        run = try store.run(["import", link.path, "--as", "team/linked"])
        XCTAssertTrue(run.out.text.contains("already stored under that name"), run.out.text)

        let otherArchive = cli.scratch.appendingPathComponent("other.tar")
        XCTAssertEqual(try cli.run(["export", "\(registry.host)/team/other", "-o", otherArchive.path]).status, 0)
        run = try store.run(["import", otherArchive.path, "--as", "team/linked"])
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertTrue(run.out.text.contains("replaced the model stored under that name (\(tiny.manifestDigest.prefix(19)))"), run.out.text)
        let stored = store.models.appendingPathComponent("manifests/registry.ollama.ai/team/linked/latest")
        XCTAssertEqual(try Data(contentsOf: stored), other.manifest)
        XCTAssertEqual(try store.run(["verify"]).status, 0)
        XCTAssertEqual(try Self.leftovers(in: store.models), [])
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
        // 300 MiB of zeros in a few hundred KiB of zstd: past 100× its size + 256 MiB.
        let bomb = cli.scratch.appendingPathComponent("bomb")
        try FileManager.default.createDirectory(at: bomb.appendingPathComponent("blobs/sha256"), withIntermediateDirectories: true)
        try runTool("truncate", ["-s", "300M", bomb.path + "/blobs/sha256/" + String(repeating: "0", count: 64)])
        let bombArchive = cli.scratch.appendingPathComponent("bomb.tar.zst")
        try runTool("tar", ["--zstd", "-cf", bombArchive.path, "-C", bomb.path, "."])
        XCTAssertLessThan(try XCTUnwrap(FileManager.default.attributesOfItem(atPath: bombArchive.path)[.size] as? Int), 1 << 20)
        let cases: [(URL, [String], String)] = [
            (truncated, [], "truncated"), (missing, [], "missing blob sha256:\(weightsHex)"), (corrupt, [], "digest mismatch"),
            (badJSON, [], "index.json is not a valid image index"), (escaping, [], "refusing entry \"../evil\""),
            (bombArchive, [], "the limit (100× the"),
            (archive, ["--max-bytes", "512K"], "unpacks to more than 524 kB (524288 bytes), the limit (--max-bytes)"),
        ]
        let empty = try CLIHarness()
        defer { empty.cleanUp() }
        let fresh = empty.models
        for (source, extra, reason) in cases {
            let run = try empty.run(["import", source.path] + extra)
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
