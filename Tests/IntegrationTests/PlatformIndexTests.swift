import Foundation
import TestSupport
import XCTest

/// `--platform` and `copy --all-platforms` on a two-platform OCI index in a
/// real docker-registry.
final class PlatformIndexTests: XCTestCase {
    private struct Fixture {
        let registry: RegistryProcess
        let cli: CLIHarness
        let amd64: GeneratedModel
        let arm64: GeneratedModel
        let index: Data
        var ref: String { "\(registry.host)/multi/image:v1" }
    }

    /// One image per platform, each with a file naming its platform.
    private func fixture() throws -> Fixture {
        let registry = try RegistryProcess()
        let cli = try CLIHarness()
        func image(_ arch: String) throws -> GeneratedModel {
            let tar = cli.scratch.appendingPathComponent("\(arch).tar")
            try TarBuilder.write([.file("platform", contents: "linux/\(arch)\n")], to: tar)
            return try ImageSeeder.image([.compressing(tar, with: .gzip)], architecture: arch,
                                         config: ["Cmd": ["/bin/\(arch)"]], in: cli.scratch.appendingPathComponent("blobs-\(arch)"))
        }
        let amd64 = try image("amd64"), arm64 = try image("arm64")
        let index = try ImageSeeder.writeIndex([(amd64, "linux", "amd64", nil), (arm64, "linux", "arm64", "v8")],
                                               to: registry.storageRoot, repository: "multi/image", tag: "v1")
        return Fixture(registry: registry, cli: cli, amd64: amd64, arm64: arm64, index: index)
    }

    func testEachPlatformGetsItsOwnManifestAndAnAbsentOneListsWhatExists() throws {
        let f = try fixture()
        defer { f.cli.cleanUp() }
        let stored = f.cli.models.appendingPathComponent("manifests/\(f.registry.host)/multi/image/v1")
        for (platform, image) in [("linux/amd64", f.amd64), ("linux/arm64", f.arm64), ("linux/arm64/v8", f.arm64)] {
            var run = try f.cli.run(["pull", f.ref, "--insecure", "--platform", platform])
            XCTAssertEqual(run.status, 0, run.err)
            XCTAssertEqual(try Data(contentsOf: stored), image.manifest, platform)

            run = try f.cli.run(["show", f.ref, "--remote", "--insecure", "--platform", platform])
            XCTAssertEqual(run.status, 0, run.err)
            XCTAssertTrue(run.out.text.contains(image.manifestDigest), "\(platform): \(run.out.text)")

            run = try f.cli.run(["blob", f.ref, "--insecure", "--platform", platform, "-o", "-",
                                 "--media-type", "application/vnd.oci.image.layer.v1.tar+gzip"])
            XCTAssertEqual(run.status, 0, run.err)
            XCTAssertEqual(run.out, try Data(contentsOf: image.layers[0].path), platform)
        }
        try FileManager.default.removeItem(at: stored)
        let rootfs = f.cli.scratch.appendingPathComponent("rootfs")
        var run = try f.cli.run(["extract", f.ref, rootfs.path, "--insecure", "--platform", "linux/arm64"])
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertEqual(try String(contentsOf: rootfs.appendingPathComponent("platform"), encoding: .utf8), "linux/arm64\n")

        for command in [["pull", f.ref], ["show", f.ref, "--remote"], ["blob", f.ref, "-o", "-"],
                        ["extract", f.ref, f.cli.scratch.appendingPathComponent("none").path]] {
            run = try f.cli.run(command + ["--insecure", "--platform", "linux/s390x"])
            XCTAssertEqual(run.status, 1, run.err)
            XCTAssertEqual(run.err, "modelget: no manifest for platform linux/s390x; available: linux/amd64, linux/arm64/v8\n", command[0])
        }
        // `--platform linux` (no architecture) is a usage error: Tests/ModelGetCLITests/UsageErrorTests.
    }

    /// `pull NAME@<index digest>`: the platform's image is stored under the
    /// index's digest (the name the user gave), and a second pull finds every blob present.
    func testPullByIndexDigestStoresThePlatformsImageUnderThatDigest() throws {
        let f = try fixture()
        defer { f.cli.cleanUp() }
        // What the seeded tag names: the index's digest.
        let link = f.registry.storageRoot.appendingPathComponent("docker/registry/v2/repositories/multi/image/_manifests/tags/v1/current/link")
        let indexDigest = try String(contentsOf: link, encoding: .utf8)
        let ref = "\(f.registry.host)/multi/image@\(indexDigest)"
        var run = try f.cli.run(["pull", ref, "--insecure", "--platform", "linux/arm64", "--json"])
        XCTAssertEqual(run.status, 0, run.err)
        let stored = f.cli.models.appendingPathComponent("manifests/\(f.registry.host)/multi/image/sha256-\(indexDigest.dropFirst(7))")
        XCTAssertEqual(try Data(contentsOf: stored), f.arm64.manifest)
        XCTAssertTrue(run.out.text.contains("\"blobs_present\":0"), run.out.text)

        run = try f.cli.run(["pull", ref, "--insecure", "--platform", "linux/arm64", "--json"])
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertTrue(run.out.text.contains("\"blobs_present\":\(f.arm64.layers.count + 1)"), run.out.text)
    }

    func testCopyAllPlatformsReproducesTheIndexByteForByte() throws {
        let f = try fixture()
        defer { f.cli.cleanUp() }
        let destination = try RegistryProcess()
        var run = try f.cli.run(["copy", f.ref, "\(destination.host)/copied/image:v1", "--insecure", "--all-platforms"])
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertEqual(try manifest(destination, "copied/image", "v1"), f.index)
        for image in [f.amd64, f.arm64] {
            XCTAssertEqual(try manifest(destination, "copied/image", image.manifestDigest), image.manifest)
        }
        // Each platform is complete: it pulls from the copy.
        let other = try CLIHarness()
        defer { other.cleanUp() }
        for platform in ["linux/amd64", "linux/arm64"] {
            run = try other.run(["pull", "\(destination.host)/copied/image:v1", "--insecure", "--platform", platform])
            XCTAssertEqual(run.status, 0, run.err)
        }

        // Without --all-platforms: the one platform's manifest, under the tag.
        run = try f.cli.run(["copy", f.ref, "\(destination.host)/single/image:v1", "--insecure", "--platform", "linux/arm64"])
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertEqual(try manifest(destination, "single/image", "v1"), f.arm64.manifest)
    }

    /// The manifest bytes a registry serves, asked with every manifest type.
    private func manifest(_ registry: RegistryProcess, _ repository: String, _ reference: String) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-sf", "-H", "Accept: application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json",
                             "http://\(registry.host)/v2/\(repository)/manifests/\(reference)"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "GET manifest \(repository):\(reference)")
        return data
    }
}
