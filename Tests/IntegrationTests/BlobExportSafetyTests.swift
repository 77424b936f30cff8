import Foundation
import ModelGet
import TestSupport
import XCTest

/// `modelget blob` from a hand-made store and a loopback registry: the
/// export never shares the store's inode unless asked, never exports a
/// link, never creates directories, and stages `-o -` privately.
final class BlobExportSafetyTests: XCTestCase {
    private let host = "127.0.0.1:1"
    private let config = Data(#"{"model_format":"gguf"}"#.utf8)
    private let weights = Data("GGUF and then some weights".utf8)

    private func storeModel(_ cli: CLIHarness, name: String = "tiny") throws {
        let manifest = HostileRegistry.manifest(
            config: (HostileRegistry.digest(config), Int64(config.count)),
            layers: [(MediaType.ollamaModel, HostileRegistry.digest(weights), Int64(weights.count))])
        try cli.storeByHand("\(host)/library/\(name)/latest", manifest: manifest, blobs: [config, weights])
    }

    private func inode(_ path: String) -> (inode: UInt, links: UInt, isLink: Bool) {
        var info = stat()
        XCTAssertEqual(lstat(path, &info), 0, path)
        return (UInt(info.st_ino), UInt(info.st_nlink), (info.st_mode & S_IFMT) == S_IFLNK)
    }

    func testExportIsACopyUnlessLinkIsAsked() throws {
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        try storeModel(cli)
        let stored = cli.blobPath(HostileRegistry.digest(weights))
        let out = cli.scratch.appendingPathComponent("weights.gguf").path

        var run = try cli.run(["blob", "\(host)/library/tiny", "-o", out])
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertTrue(run.out.text.contains("from the store (copy)") || run.out.text.contains("from the store (reflink)"), run.out.text)
        XCTAssertNotEqual(inode(out).inode, inode(stored).inode)
        XCTAssertEqual(inode(stored).links, 1)
        // Editing the export leaves the store's blob as it was.
        try Data("edited".utf8).write(to: URL(fileURLWithPath: out))
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: stored)), weights)
        XCTAssertEqual(try cli.run(["verify"]).status, 0)

        try FileManager.default.removeItem(atPath: out)
        run = try cli.run(["blob", "\(host)/library/tiny", "-o", out, "--link"])
        XCTAssertEqual(run.status, 0, run.err)
        if run.out.text.contains("(hardlink)") {
            XCTAssertEqual(inode(out).inode, inode(stored).inode)
        } else {
            XCTAssertTrue(run.out.text.contains("(reflink)"), run.out.text)
        }
        // `-o - --link` is a usage error: Tests/ModelGetCLITests/UsageErrorTests.
    }

    func testSymlinkedStoreBlobExportsBytes() throws {
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        try storeModel(cli)
        let stored = cli.blobPath(HostileRegistry.digest(weights))
        let elsewhere = cli.scratch.appendingPathComponent("elsewhere.bin").path
        XCTAssertEqual(rename(stored, elsewhere), 0)
        XCTAssertEqual(symlink(elsewhere, stored), 0)
        for link in [false, true] {
            let out = cli.scratch.appendingPathComponent("out-\(link).gguf").path
            let run = try cli.run(["blob", "\(host)/library/tiny", "-o", out] + (link ? ["--link"] : []))
            XCTAssertEqual(run.status, 0, run.err)
            XCTAssertFalse(inode(out).isLink, "exported a symbolic link")
            XCTAssertNotEqual(inode(out).inode, inode(elsewhere).inode)
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: out)), weights)
        }
    }

    func testMissingDirectoryFailsTheSameFromStoreAndNetwork() throws {
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        try storeModel(cli)
        let missing = cli.scratch.appendingPathComponent("missing/dir")
        let registry = try HostileRegistry(manifests: [:])
        for reference in ["\(host)/library/tiny", "http://\(registry.host)/library/remote"] {
            let run = try cli.run(["blob", reference, "-o", missing.appendingPathComponent("f").path, "--insecure"])
            XCTAssertEqual(run.status, 1, run.err)
            XCTAssertEqual(run.err, "modelget: \(missing.path): no such directory (modelget does not create it)\n")
            XCTAssertFalse(FileManager.default.fileExists(atPath: missing.path))
        }
        XCTAssertTrue(registry.server.requests.isEmpty, "failed before touching the network")
    }

    func testStdoutStagesInAPrivateDirectoryAndLeavesNothing() throws {
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        let registry = try HostileRegistry(
            manifests: ["library/streamed:latest": HostileRegistry.manifest(
                config: (HostileRegistry.digest(config), Int64(config.count)),
                layers: [(MediaType.ollamaModel, HostileRegistry.digest(weights), Int64(weights.count))])],
            blobs: [HostileRegistry.digest(config): config, HostileRegistry.digest(weights): weights])
        let temporary = cli.scratch.appendingPathComponent("tmp")
        let planted = cli.scratch.appendingPathComponent("attacker")
        try FileManager.default.createDirectory(at: temporary, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: planted, withIntermediateDirectories: true)
        // The old predictable name, planted as a link to the attacker's
        // directory, where a file squats on the name a store would use:
        // following the link fails the export or writes there.
        XCTAssertEqual(symlink(planted.path, temporary.appendingPathComponent("modelget-partial-\(getuid())").path), 0)
        try Data("attacker".utf8).write(to: planted.appendingPathComponent("blobs"))

        let run = try cli.run(["blob", "http://\(registry.host)/library/streamed", "-o", "-", "--insecure"],
                              environment: ["TMPDIR": temporary.path])
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertEqual(run.out, weights)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: planted.path), ["blobs"])
        XCTAssertEqual(try Data(contentsOf: planted.appendingPathComponent("blobs")), Data("attacker".utf8))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: temporary.path), ["modelget-partial-\(getuid())"],
                       "the private staging directory is gone")
    }
}
