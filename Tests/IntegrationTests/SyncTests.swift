import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TestSupport
import XCTest

/// `modelget sync` against a real docker-registry.
final class SyncTests: XCTestCase {
    func testSyncSharedBlobsTwiceWithFailureAndPrune() throws {
        let registry = try RegistryProcess()
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        // a and b share their weights and template (same seed); c is its own.
        let a = try CLIHarness.seed(registry, "lib/a", sizes: [1 << 20, 200], seed: 11, in: cli.scratch)
        let b = try CLIHarness.seed(registry, "lib/b", sizes: [1 << 20, 200, 50], seed: 11, in: cli.scratch)
        _ = try CLIHarness.seed(registry, "lib/c", sizes: [2 << 20], seed: 12, in: cli.scratch)
        XCTAssertEqual(a.layers[0].digest, b.layers[0].digest)
        let list = cli.scratch.appendingPathComponent("models.json")
        func write(_ names: [String]) throws {
            let entries = names.map { "{\"name\": \"\(registry.host)/lib/\($0)\", \"insecure\": true}" }
            try Data("{\"models\": [\(entries.joined(separator: ", "))]}".utf8).write(to: list)
        }
        try write(["a", "b", "c"])
        var run = try cli.run(["sync", list.path])
        XCTAssertEqual(run.status, 0, run.err + run.out.text)
        XCTAssertTrue(run.out.text.contains("fetched 7 blobs"), run.out.text)  // 3 configs, shared weights + template once, b's and c's own layers
        XCTAssertEqual(try cli.run(["list"]).out.text.components(separatedBy: "\n").filter { $0.contains("/lib/") }.count, 3)

        run = try cli.run(["sync", list.path])
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertTrue(run.out.text.contains("nothing fetched"), run.out.text)
        XCTAssertEqual(run.out.text.components(separatedBy: "up to date").count - 1, 3, run.out.text)

        // One unreachable model: the others complete, exit 1, named in the summary.
        try Data("{\"models\": [{\"name\": \"\(registry.host)/lib/a\", \"insecure\": true}, {\"name\": \"127.0.0.1:1/lib/gone\", \"insecure\": true}]}".utf8).write(to: list)
        // A dry run fails as the real run would.
        run = try cli.run(["sync", list.path, "--dry-run"])
        XCTAssertEqual(run.status, 1, "a model that cannot be resolved: \(run.out.text)")
        XCTAssertTrue(run.out.text.contains("cannot resolve 127.0.0.1:1/lib/gone:latest"), run.out.text)
        run = try cli.run(["sync", list.path])
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.out.text.contains("1 failed: 127.0.0.1:1/lib/gone:latest"), run.out.text)
        XCTAssertTrue(run.out.text.contains("lib/a:latest: up to date"), run.out.text)

        // --prune keeps a and the blobs it shares with b, removes b's and c's own.
        try write(["a"])
        run = try cli.run(["sync", list.path, "--prune", "--dry-run"])
        XCTAssertTrue(run.out.text.contains("remove \(registry.host)/lib/c:latest"), run.out.text)
        XCTAssertTrue(FileManager.default.fileExists(atPath: cli.blobPath(b.layers[2].digest)))
        run = try cli.run(["sync", list.path, "--prune"])
        XCTAssertEqual(run.status, 0, run.err)
        let listed = try cli.run(["list"]).out.text
        XCTAssertTrue(listed.contains("lib/a:latest") && !listed.contains("lib/b") && !listed.contains("lib/c"), listed)
        XCTAssertTrue(FileManager.default.fileExists(atPath: cli.blobPath(a.layers[0].digest)))
        XCTAssertFalse(FileManager.default.fileExists(atPath: cli.blobPath(b.layers[2].digest)))
    }

    func testSyncPushesEveryModelToTheMirror() throws {
        let source = try RegistryProcess()
        let mirror = try RegistryProcess()
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        let a = try CLIHarness.seed(source, "lib/a", sizes: [1 << 20, 200], seed: 21, in: cli.scratch)
        let b = try CLIHarness.seed(source, "lib/b", tag: "v2", sizes: [300_000], seed: 22, in: cli.scratch)
        let list = cli.scratch.appendingPathComponent("models.json")
        let entries = ["lib/a", "lib/b:v2"].map { "{\"name\": \"\(source.host)/\($0)\", \"insecure\": true}" }
        try Data("{\"models\": [\(entries.joined(separator: ", "))], \"mirror\": {\"registry\": \"\(mirror.host)/copies\", \"insecure\": true}}".utf8)
            .write(to: list)

        var run = try cli.run(["sync", list.path])
        XCTAssertEqual(run.status, 0, run.err + run.out.text)
        XCTAssertTrue(run.out.text.contains("pushed to \(mirror.host)/copies/lib/a:latest"), run.out.text)

        // The mirror serves both models, manifests byte for byte.
        for (model, path) in [(a, "copies/lib/a/manifests/latest"), (b, "copies/lib/b/manifests/v2")] {
            var request = URLRequest(url: URL(string: "http://\(mirror.host)/v2/\(path)")!)
            request.setValue(model.mediaType, forHTTPHeaderField: "Accept")
            let served = try Self.fetch(request)
            XCTAssertEqual(served, model.manifest, path)
        }
        // A second run moves nothing: pulls fetch nothing, pushes skip.
        run = try cli.run(["sync", list.path])
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertTrue(run.out.text.contains("nothing fetched"), run.out.text)
    }

    private static func fetch(_ request: URLRequest) throws -> Data {
        let done = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var result: Data?
        URLSession.shared.dataTask(with: request) { data, response, _ in
            if (response as? HTTPURLResponse)?.statusCode == 200 { result = data }
            done.signal()
        }.resume()
        done.wait()
        return try XCTUnwrap(result, "\(request.url!) not served")
    }
}
