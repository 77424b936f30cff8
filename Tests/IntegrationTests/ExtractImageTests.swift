import Foundation
import TestSupport
import XCTest

/// `modelget extract` on images built here from real tars (Python's
/// tarfile, gzip, zstd), served by a real docker-registry, compared with
/// `umoci unpack` of the same image.
final class ExtractImageTests: XCTestCase {
    func testExtractMatchesUmociAndAppliesEveryLayerKind() throws {
        let registry = try RegistryProcess()
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        let image = try LayeredImage.make(in: cli.scratch)
        try ModelSeeder.write(image, to: registry.storageRoot, repository: "images/layered", tag: "v1")
        let ref = "\(registry.host)/images/layered:v1"

        // Streamed from the registry.
        let rootfs = cli.scratch.appendingPathComponent("rootfs")
        let run = try cli.run(["extract", ref, rootfs.path, "--insecure"])
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertTrue(run.out.text.contains("3 layers (0 from the store)"), run.out.text)
        let tree = try FileTree(rootfs)

        // What the layers say, independently of umoci.
        XCTAssertNil(tree.nodes["data/remove-me"])
        XCTAssertEqual(try String(contentsOf: rootfs.appendingPathComponent("data/replace-me"), encoding: .utf8), "new and longer\n")
        XCTAssertEqual(tree.nodes["data/replace-me"]?.mode, 0o640)
        XCTAssertEqual(tree.nodes["data/keep"]?.mode, 0o444)
        XCTAssertEqual(tree.nodes["data"]?.mode, 0o750)
        XCTAssertEqual(Set(try FileManager.default.contentsOfDirectory(atPath: rootfs.path + "/opaque")), ["c"])
        XCTAssertEqual(tree.nodes["usr/lib/libfoo.so"]?.type, "file", "written through the lib -> usr/lib link")
        XCTAssertEqual(tree.nodes["lib"]?.linkTarget, "usr/lib")
        XCTAssertEqual(tree.nodes["etc/alt"]?.linkTarget, "/etc/config")
        XCTAssertNil(tree.nodes["usr/share"])
        XCTAssertEqual(tree.nodes["run-fifo"]?.type, "fifo")
        XCTAssertEqual(try inode(rootfs, "usr/bin/tool"), try inode(rootfs, "usr/bin/tool-again"))
        XCTAssertEqual(try inode(rootfs, "data/replace-me"), try inode(rootfs, "data/replaced-link"))
        XCTAssertEqual(try modificationTime(rootfs, "usr/bin/tool"), TarBuilder.mtime)

        // umoci, given the gzip twin through skopeo, unpacks the same tree.
        let twin = try LayeredImage.make(middle: .gzip, in: cli.scratch)
        XCTAssertNotEqual(twin.layers[1].digest, image.layers[1].digest)
        try ModelSeeder.write(twin, to: registry.storageRoot, repository: "images/layered", tag: "gzip")
        let layout = cli.scratch.appendingPathComponent("oci")
        try runTool("skopeo", ["copy", "--src-tls-verify=false", "docker://\(registry.host)/images/layered:gzip", "oci:\(layout.path):v1"])
        let bundle = cli.scratch.appendingPathComponent("bundle")
        try runTool("umoci", ["unpack", "--rootless", "--image", "\(layout.path):v1", bundle.path])
        let umoci = try FileTree(bundle.appendingPathComponent("rootfs"))
        XCTAssertEqual(tree.differences(from: umoci), [])
        XCTAssertGreaterThan(tree.nodes.count, 15)

        // Pulled into the store: extracted again from there, the same tree.
        XCTAssertEqual(try cli.run(["pull", ref, "--insecure"]).status, 0)
        registry.stop()
        let again = cli.scratch.appendingPathComponent("again")
        let second = try cli.run(["extract", ref, again.path])
        XCTAssertEqual(second.status, 0, second.err)
        XCTAssertTrue(second.out.text.contains("(3 from the store)"), second.out.text)
        XCTAssertEqual(try FileTree(again).differences(from: tree), [])
    }

    func testNonEmptyDestinationNeedsForceAndIsReplacedWhole() throws {
        let registry = try RegistryProcess()
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        let tar = cli.scratch.appendingPathComponent("one.tar")
        try TarBuilder.write([.file("hello", contents: "hi\n")], to: tar)
        let image = try ImageSeeder.image([.compressing(tar, with: .gzip)], in: cli.scratch.appendingPathComponent("blobs"))
        try ModelSeeder.write(image, to: registry.storageRoot, repository: "images/one", tag: "latest")
        let ref = "\(registry.host)/images/one"
        let rootfs = cli.scratch.appendingPathComponent("rootfs")
        try FileManager.default.createDirectory(at: rootfs, withIntermediateDirectories: true)
        try Data("mine\n".utf8).write(to: rootfs.appendingPathComponent("precious"))

        var run = try cli.run(["extract", ref, rootfs.path, "--insecure"])
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.err.contains("exists and is not empty; pass --force"), run.err)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: rootfs.path), ["precious"])

        run = try cli.run(["extract", ref, rootfs.path, "--insecure", "--force"])
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: rootfs.path), ["hello"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: cli.scratch.path).filter { $0.hasPrefix(".") }, [])
    }

    func testHostileLayersAreRefusedWithNothingWrittenOutside() throws {
        let registry = try RegistryProcess()
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        let work = cli.scratch.appendingPathComponent("work")
        let outside = work.appendingPathComponent("outside")
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        let secret = outside.appendingPathComponent("secret")
        try Data("secret\n".utf8).write(to: secret)

        func layer(_ name: String, _ entries: [TarEntry], _ compression: LayerCompression = .gzip) throws -> ImageLayerBlob {
            let tar = cli.scratch.appendingPathComponent(name + ".tar")
            try TarBuilder.write(entries, to: tar)
            return try .compressing(tar, with: compression)
        }
        let good = try layer("good", [.file("ok", contents: "fine\n")])
        let gzipped = try layer("big", (0..<200).map { .file("f\($0)", contents: String(repeating: "x", count: 4000)) })
        let truncated = ImageLayerBlob(data: gzipped.data.prefix(gzipped.data.count / 2), mediaType: gzipped.mediaType,
                                       diffID: gzipped.diffID)
        let wrongDiffID = ImageLayerBlob(data: good.data, mediaType: good.mediaType, diffID: gzipped.diffID)
        let cases: [(String, [ImageLayerBlob], String)] = [
            ("absolute", [good, try layer("absolute", [.file(outside.path + "/evil", contents: "x")])], "absolute path"),
            ("dotdot", [good, try layer("dotdot", [.file("../outside/evil", contents: "x")])], "path contains \"..\""),
            ("symlink", [good, try layer("symlink", [.symlink("up", target: "../outside"), .file("up/evil", contents: "x")])],
             "leads outside the root"),
            ("deepsymlink", [try layer("link", [.directory("a"), .symlink("a/b", target: "../../outside")]),
                             try layer("through", [.file("a/b/evil", contents: "x")])], "leads outside the root"),
            ("hardlink", [good, try layer("hardlink", [.hardlink("steal", target: "../outside/secret")])], "hard link target"),
            ("abshardlink", [good, try layer("abshardlink", [.hardlink("steal", target: secret.path)])], "hard link target"),
            ("linkhardlink", [good, try layer("linkhardlink", [.symlink("up", target: "../outside"),
                                                               .hardlink("steal", target: "up/secret")])], "hard link target"),
            ("bomb", [try layer("bomb", [.emptyFiles(prefix: "f", count: 100_000)])], "tar bomb"),
            ("truncated", [good, truncated], "gzip"),
            ("diffid", [wrongDiffID], "diff_id"),
            ("terminal", [good, try layer("terminal", [.file("../\u{1b}[2Jevil", contents: "x")])], "refusing entry \"../\\u{1b}[2Jevil\""),
            // 300 MiB of zeros in a few KiB of zstd: past 100× the compressed size + 256 MiB.
            ("expansion", [good, try layer("zeros", [.zeros("zeros", count: 300 << 20)], .zstd)], "the limit (100× the"),
        ]
        for (name, layers, reason) in cases {
            let image = try ImageSeeder.image(layers, in: cli.scratch.appendingPathComponent("blobs-" + name))
            try ModelSeeder.write(image, to: registry.storageRoot, repository: "hostile/\(name)", tag: "latest")
            let rootfs = work.appendingPathComponent("rootfs")
            // -q: the progress lines a log gets are left out, the error line stays.
            let run = try cli.run(["extract", "\(registry.host)/hostile/\(name)", rootfs.path, "--insecure", "-q"])
            XCTAssertEqual(run.status, 1, "\(name): \(run.err)")
            XCTAssertTrue(run.err.contains(reason), "\(name): \(run.err)")
            XCTAssertEqual(run.err.split(separator: "\n").count, 1, "\(name): \(run.err)")
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: work.path), ["outside"], name)
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: outside.path), ["secret"], name)
            XCTAssertEqual(try String(contentsOf: secret, encoding: .utf8), "secret\n", name)
            var info = stat()
            XCTAssertEqual(lstat(secret.path, &info), 0)
            XCTAssertEqual(info.st_nlink, 1, "\(name): the secret gained a hard link")
        }

        // An absolute link is the container's own path: followed inside the root, never out.
        let absolute = try ImageSeeder.image([try layer("abslink", [.symlink("abs", target: outside.path), .file("abs/evil", contents: "x")])],
                                             in: cli.scratch.appendingPathComponent("blobs-abslink"))
        try ModelSeeder.write(absolute, to: registry.storageRoot, repository: "hostile/abslink", tag: "latest")
        let rootfs = work.appendingPathComponent("rootfs")
        let run = try cli.run(["extract", "\(registry.host)/hostile/abslink", rootfs.path, "--insecure"])
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertEqual(try String(contentsOf: URL(fileURLWithPath: rootfs.path + outside.path + "/evil"), encoding: .utf8), "x")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: outside.path), ["secret"])
    }

    /// A layer that would unpack past the space free where DIR goes is
    /// refused before the disk is full (an 8 MiB tmpfs; needs root, as CI has).
    func testAnImageLargerThanTheFreeSpaceIsRefusedBeforeItFillsTheDisk() throws {
        let registry = try RegistryProcess()
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        let small = cli.scratch.appendingPathComponent("small")
        try FileManager.default.createDirectory(at: small, withIntermediateDirectories: true)
        guard Tmpfs.mount(at: small.path, options: "size=8m") else { throw XCTSkip("cannot mount a tmpfs here (not root?)") }
        defer { Tmpfs.unmount(small.path) }
        let tar = cli.scratch.appendingPathComponent("zeros.tar")
        try TarBuilder.write([.zeros("zeros", count: 20 << 20)], to: tar)
        let image = try ImageSeeder.image([.compressing(tar, with: .zstd)], in: cli.scratch.appendingPathComponent("blobs"))
        try ModelSeeder.write(image, to: registry.storageRoot, repository: "images/zeros", tag: "latest")

        let run = try cli.run(["extract", "\(registry.host)/images/zeros", small.path + "/rootfs", "--insecure"])
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(run.err.split(separator: "\n").count, 1, run.err)
        XCTAssertTrue(run.err.contains("the limit (the space free on \(small.path))"), run.err)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: small.path), [])
    }

    /// A layer download cut mid-way continues from where it stopped (a
    /// `Range` request, or a 200 whose start is dropped when the range is
    /// ignored), and the root filesystem is the same.
    func testACutLayerDownloadContinues() throws {
        let registry = try RegistryProcess()
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        var random = SystemRandomNumberGenerator()
        let noise = String((0..<600_000).map { _ in Character(UnicodeScalar(UInt8.random(in: 33...126, using: &random))) })
        let tar = cli.scratch.appendingPathComponent("noise.tar")
        try TarBuilder.write([.file("noise", contents: noise)], to: tar)
        let image = try ImageSeeder.image([.compressing(tar, with: .gzip)], in: cli.scratch.appendingPathComponent("blobs"))
        XCTAssertGreaterThan(image.layers[0].size, 300_000)
        try ModelSeeder.write(image, to: registry.storageRoot, repository: "images/noise", tag: "latest")

        for ignoreRange in [false, true] {
            var faults = FaultProxy.Faults()
            faults.cutAfterBytes = 200_000
            faults.cutResponses = 2
            faults.ignoreRange = ignoreRange
            let proxy = try FaultProxy(upstreamPort: registry.port, faults: faults)
            let rootfs = cli.scratch.appendingPathComponent("rootfs-\(ignoreRange)")
            let run = try cli.run(["extract", "http://\(proxy.host)/images/noise", rootfs.path, "--insecure"])
            XCTAssertEqual(run.status, 0, run.err)
            XCTAssertEqual(try String(contentsOf: rootfs.appendingPathComponent("noise"), encoding: .utf8), noise)
            let layerGets = proxy.requests.filter { $0.path.hasSuffix(image.layers[0].digest) }
            XCTAssertGreaterThanOrEqual(layerGets.count, 2, "ignoreRange \(ignoreRange)")
            XCTAssertTrue(layerGets.dropFirst().allSatisfy { $0.headers["Range"]?.hasPrefix("bytes=") == true }, "\(layerGets.map(\.headers))")
            proxy.stop()
        }
    }

    /// Ownership, extended attributes and device nodes are kept as root; a
    /// user that is not root gets the files and no device nodes.
    func testOwnershipXattrsAndDevicesOnlyAsRoot() throws {
        try XCTSkipUnless(geteuid() == 0, "needs root to compare root and non-root extraction")
        let registry = try RegistryProcess()
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        let tar = cli.scratch.appendingPathComponent("special.tar")
        try TarBuilder.write([.ownedFile("owned", uid: 1234, gid: 4321, xattr: "user.origin", value: "layer"),
                              .characterDevice("null-ish", major: 1, minor: 3)], to: tar)
        let image = try ImageSeeder.image([.compressing(tar, with: .gzip)], in: cli.scratch.appendingPathComponent("blobs"))
        try ModelSeeder.write(image, to: registry.storageRoot, repository: "images/special", tag: "latest")
        let ref = "\(registry.host)/images/special"

        let asRoot = cli.scratch.appendingPathComponent("root-rootfs")
        var run = try cli.run(["extract", ref, asRoot.path, "--insecure"])
        XCTAssertEqual(run.status, 0, run.err)
        var info = stat()
        XCTAssertEqual(lstat(asRoot.path + "/owned", &info), 0)
        XCTAssertEqual([info.st_uid, info.st_gid], [1234, 4321])
        XCTAssertEqual(try extendedAttribute(asRoot.path + "/owned", "user.origin"), "layer")
        XCTAssertEqual(lstat(asRoot.path + "/null-ish", &info), 0)
        XCTAssertEqual(info.st_mode & S_IFMT, S_IFCHR)

        // The same image as nobody, into a directory nobody owns.
        let nobody = try XCTUnwrap(NormalUser.make())
        let shared = try nobody.ownedDirectory("shared", in: cli.scratch)
        let (status, text) = try nobody.run(CLIHarness.binary.path, ["extract", ref, shared.path + "/rootfs", "--insecure",
                                                                     "--models", shared.path + "/models"])
        XCTAssertEqual(status, 0, text)
        XCTAssertTrue(text.contains("1 device nodes left out (not root)"), text)
        XCTAssertEqual(lstat(shared.path + "/rootfs/owned", &info), 0)
        XCTAssertEqual(info.st_uid, 65534)
        XCTAssertNotEqual(lstat(shared.path + "/rootfs/null-ish", &info), 0)
    }

    /// An extended attribute's value, read by Python's os.getxattr.
    private func extendedAttribute(_ path: String, _ name: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", "import os, sys; sys.stdout.write(os.getxattr(sys.argv[1], sys.argv[2]).decode())", path, name]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    private func inode(_ root: URL, _ path: String) throws -> UInt {
        var info = stat()
        guard lstat(root.path + "/" + path, &info) == 0 else { throw POSIXError(.ENOENT) }
        return UInt(info.st_ino)
    }

    private func modificationTime(_ root: URL, _ path: String) throws -> Int {
        var info = stat()
        guard lstat(root.path + "/" + path, &info) == 0 else { throw POSIXError(.ENOENT) }
        return Int(info.st_mtim.tv_sec)
    }
}
