import Foundation
import TestSupport
import XCTest

/// `rm` and `verify` on a store pulled from a real docker-registry.
final class StoreCommandsTests: XCTestCase {
    func testRemoveKeepsSharedBlobsAndVerifyRepairs() throws {
        let registry = try RegistryProcess()
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        let a = try CLIHarness.seed(registry, "lib/a", sizes: [100_000, 200], seed: 21, in: cli.scratch)
        let b = try CLIHarness.seed(registry, "lib/b", sizes: [100_000, 200, 30], seed: 21, in: cli.scratch)
        for name in ["a", "b"] { XCTAssertEqual(try cli.run(["pull", "\(registry.host)/lib/\(name)", "--insecure"]).status, 0) }

        // verify finds a blob corrupted on disk; --repair fetches it again.
        let weights = cli.blobPath(a.layers[0].digest)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: weights))
        try handle.seek(toOffset: 10)
        handle.write(Data([0xFF, 0x00, 0xFF]))
        try handle.close()
        var run = try cli.run(["verify"])
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.out.text.contains("\(a.layers[0].digest): bytes hash to"), run.out.text)
        run = try cli.run(["verify", "--repair", "--insecure"])
        XCTAssertEqual(run.status, 0, run.err + run.out.text)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: weights)), try Data(contentsOf: a.layers[0].path))
        XCTAssertEqual(try cli.run(["verify"]).status, 0)

        // rm b keeps the blobs a needs, removes b's own.
        run = try cli.run(["rm", "\(registry.host)/lib/b"])
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertTrue(FileManager.default.fileExists(atPath: weights))
        XCTAssertTrue(FileManager.default.fileExists(atPath: cli.blobPath(a.layers[1].digest)))
        XCTAssertFalse(FileManager.default.fileExists(atPath: cli.blobPath(b.layers[2].digest)))
        XCTAssertFalse(FileManager.default.fileExists(atPath: cli.blobPath(b.config.digest)))
        XCTAssertEqual(try cli.run(["verify"]).status, 0)
    }
}
