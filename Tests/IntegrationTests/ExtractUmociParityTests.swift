import Foundation
import TestSupport
import XCTest

/// `modelget extract` against `umoci unpack` on images umoci built and
/// skopeo pushed to a real docker-registry, for the patterns distributions
/// ship: a directory a later layer turns into a link or a file (Debian's
/// `/var/run -> /run`, with umoci's whiteouts under it), directories listed
/// again with a new time, and, without root, directories an earlier layer
/// made read-only (Fedora's 0555 `/usr/bin`). Trees are compared entry by
/// entry, modification times included.
final class ExtractUmociParityTests: XCTestCase {
    func testLaterLayersReplacingDirectoriesAndTheirTimesMatchUmoci() throws {
        let registry = try RegistryProcess()
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        let image = try UmociImage.build(in: cli.scratch, layers: [
            """
            mkdir -p var/run/sub usr/lib etc opt/dir run
            echo 1 > var/run/child; echo z > var/run/sub/z; echo c > opt/dir/child
            echo lib > usr/lib/libc.so; ln -s usr/lib lib; echo conf > etc/conf
            touch -d @1000000000 etc opt/dir var/run var/run/sub usr/lib run
            """,
            """
            rm -rf var/run && ln -s /run var/run
            rm -rf opt/dir && echo now-a-file > opt/dir
            rm lib && mkdir lib && echo own > lib/own && touch -d @1050000000 lib
            echo more > etc/more && touch -d @1100000000 etc
            """,
        ])
        try image.push(to: registry, repository: "images/replaced")

        let rootfs = cli.scratch.appendingPathComponent("rootfs")
        let run = try cli.run(["extract", "\(registry.host)/images/replaced:v1", rootfs.path, "--insecure"])
        XCTAssertEqual(run.status, 0, run.err)
        let tree = try FileTree(rootfs, times: true)
        XCTAssertEqual(tree.nodes["var/run"]?.linkTarget, "/run")
        XCTAssertNil(tree.nodes["var/run/child"])
        XCTAssertEqual(tree.nodes["opt/dir"]?.type, "file")
        XCTAssertEqual(tree.nodes["lib"]?.type, "dir", "a link replaced by a directory, not written through")
        XCTAssertNil(tree.nodes["usr/lib/own"])
        XCTAssertEqual(tree.nodes["etc"]?.modified, "1100000000.0", "the later layer's time")
        XCTAssertEqual(tree.nodes["usr/lib"]?.modified, "1000000000.0")

        let umoci = try FileTree(image.unpack(into: cli.scratch.appendingPathComponent("bundle")), times: true)
        XCTAssertEqual(tree.differences(from: umoci), [])
    }

    /// Without root: a later layer writes into directories an earlier one
    /// made 0555 and 0500, as `umoci unpack --rootless` allows; a failed
    /// extract leaves nothing beside DIR, and `--force` replaces such a tree.
    func testAsANormalUserReadOnlyDirectoriesMatchUmociRootless() throws {
        guard let user = NormalUser.make() else { throw XCTSkip("running as root without setpriv: no way to be a normal user") }
        let registry = try RegistryProcess()
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        let image = try UmociImage.build(in: cli.scratch, layers: [
            """
            mkdir -p usr/bin secret
            echo tool > usr/bin/tool; echo s > secret/s
            chmod 0555 usr/bin; chmod 0500 secret; touch -d @1000000000 usr/bin secret
            """,
            """
            chmod u+w usr/bin secret
            echo new > usr/bin/new; head -c 2000000 /dev/zero > secret/zeros
            chmod 0555 usr/bin; chmod 0500 secret; touch -d @1100000000 secret
            """,
        ])
        try image.push(to: registry, repository: "images/readonly")
        let shared = try user.ownedDirectory("shared", in: cli.scratch)
        func extract(_ directory: String, _ extra: [String] = []) throws -> (status: Int32, output: String) {
            try user.run(CLIHarness.binary.path, ["extract", "\(registry.host)/images/readonly:v1", shared.path + "/" + directory,
                                                  "--insecure", "--models", shared.path + "/models"] + extra)
        }

        var run = try extract("rootfs")
        XCTAssertEqual(run.status, 0, run.output)
        let tree = try FileTree(shared.appendingPathComponent("rootfs"), times: true)
        XCTAssertEqual(tree.nodes["usr/bin"]?.mode, 0o555)
        XCTAssertEqual(tree.nodes["secret"]?.mode, 0o500)
        XCTAssertEqual(tree.nodes["usr/bin/new"]?.type, "file")
        XCTAssertEqual(tree.nodes["secret"]?.modified, "1100000000.0")
        let bundle = try user.ownedDirectory("umoci", in: cli.scratch).appendingPathComponent("bundle")
        let umoci = try FileTree(image.unpack(into: bundle, as: user), times: true)
        XCTAssertEqual(tree.differences(from: umoci), [])

        // The second layer passes the limit: nothing is left beside DIR, whatever its modes were.
        run = try extract("limited", ["--max-bytes", "1M"])
        XCTAssertEqual(run.status, 1, run.output)
        XCTAssertTrue(run.output.contains("unpacks to more than") && run.output.contains("(--max-bytes)"), run.output)
        XCTAssertEqual(run.output.split(separator: "\n").count, 1, run.output)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: shared.path).sorted(), ["rootfs"])

        // A tree with read-only directories is replaced whole.
        run = try extract("rootfs", ["--force"])
        XCTAssertEqual(run.status, 0, run.output)
        XCTAssertEqual(try FileTree(shared.appendingPathComponent("rootfs"), times: true).differences(from: tree), [])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: shared.path).sorted(), ["rootfs"])
    }

    /// umoci's whiteout under the link its layer just made (`d/.wh.child`
    /// after `d -> /run`) hides the old directory's child: it removes
    /// nothing where the link leads. (umoci itself would follow the link;
    /// with nothing there, as in the image above, both trees are the same.)
    func testAWhiteoutUnderALinkItsLayerMadeRemovesNothingWhereTheLinkLeads() throws {
        let registry = try RegistryProcess()
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        let lower = cli.scratch.appendingPathComponent("lower.tar"), upper = cli.scratch.appendingPathComponent("upper.tar")
        try TarBuilder.write([.directory("d"), .file("d/child", contents: "old\n"), .directory("run"), .file("run/child", contents: "kept\n"),
                              .directory("f"), .file("f/child", contents: "old\n")], to: lower)
        try TarBuilder.write([.symlink("d", target: "/run"), .file("d/.wh.child", contents: ""),
                              .file("f", contents: "now a file\n"), .file("f/.wh.child", contents: "")], to: upper)
        let image = try ImageSeeder.image([.compressing(lower, with: .gzip), .compressing(upper, with: .zstd)],
                                          in: cli.scratch.appendingPathComponent("blobs"))
        try ModelSeeder.write(image, to: registry.storageRoot, repository: "images/whiteout", tag: "latest")
        let rootfs = cli.scratch.appendingPathComponent("rootfs")
        let run = try cli.run(["extract", "\(registry.host)/images/whiteout", rootfs.path, "--insecure"])
        XCTAssertEqual(run.status, 0, run.err)
        let tree = try FileTree(rootfs)
        XCTAssertEqual(tree.nodes["d"]?.linkTarget, "/run")
        XCTAssertEqual(try String(contentsOf: rootfs.appendingPathComponent("run/child"), encoding: .utf8), "kept\n")
        XCTAssertEqual(tree.nodes["f"]?.type, "file")
        XCTAssertEqual(Set(tree.nodes.keys), ["d", "run", "run/child", "f"])
    }
}
