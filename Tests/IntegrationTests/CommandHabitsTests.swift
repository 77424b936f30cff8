import Foundation
import TestSupport
import XCTest

/// The commands people type out of habit from ollama and docker: `ls`,
/// `cp` / `tag` and `tags` against a real docker-registry. An unknown
/// command answered with the one meant, and `cp` of a model the store
/// lacks, run in-process (`Tests/ModelGetCLITests`).
final class CommandHabitsTests: XCTestCase {
    private var cli: CLIHarness!

    override func setUpWithError() throws { cli = try CLIHarness() }
    override func tearDown() { cli.cleanUp() }

    func testCpAndTagNameAStoredModelTwiceAndLsListsBoth() throws {
        let registry = try RegistryProcess()
        defer { registry.stop() }
        _ = try CLIHarness.seed(registry, "team/tiny", tag: "v1", sizes: [50_000, 300], seed: 71, in: cli.scratch)
        let source = "\(registry.host)/team/tiny:v1"
        XCTAssertEqual(try cli.run(["pull", source, "--insecure", "-q"]).status, 0)
        let blobs = try FileManager.default.contentsOfDirectory(atPath: cli.models.path + "/blobs").sorted()

        var run = try cli.run(["cp", source, "mine/tiny:stable"])
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertEqual(run.out.text, "copied '\(source)' to 'mine/tiny:stable'\n")
        run = try cli.run(["tag", source, "\(registry.host)/team/tiny:latest", "--json"])
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertTrue(run.out.text.contains("\"event\":\"copied\""), run.out.text)

        let original = try Data(contentsOf: cli.models.appendingPathComponent("manifests/\(registry.host)/team/tiny/v1"))
        XCTAssertEqual(try Data(contentsOf: cli.models.appendingPathComponent("manifests/registry.ollama.ai/mine/tiny/stable")), original,
                       "the manifest byte for byte, under the name as ollama would store it")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: cli.models.path + "/blobs").sorted(), blobs, "no blob copied")

        run = try cli.run(["ls"])
        XCTAssertEqual(run.status, 0, run.err)
        for name in [source, "mine/tiny:stable", "\(registry.host)/team/tiny:latest"] {
            XCTAssertTrue(run.out.text.contains(name), "\(name) in: \(run.out.text)")
        }
        // The copy outlives the original: rm keeps the blobs it shares.
        XCTAssertEqual(try cli.run(["rm", source]).status, 0)
        XCTAssertEqual(try cli.run(["verify", "mine/tiny:stable"]).status, 0)

    }

    func testTagsListsEveryTagOfARealRegistry() throws {
        let registry = try RegistryProcess()
        defer { registry.stop() }
        for tag in ["v2", "v1", "latest"] {
            _ = try CLIHarness.seed(registry, "team/tiny", tag: tag, sizes: [1_000], seed: 72, in: cli.scratch)
        }
        let run = try cli.run(["tags", "\(registry.host)/team/tiny", "--insecure"])
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertEqual(run.out.text, "latest\nv1\nv2\n")
        let missing = try cli.run(["tags", "\(registry.host)/team/absent", "--insecure", "--json"])
        XCTAssertEqual(missing.status, 1)
        XCTAssertTrue(missing.out.text.contains("\"kind\":\"not_found\""), missing.out.text)
    }

    func testTagsFollowsLinkPagesOnTheSameRegistryOnly() throws {
        // Pages as Docker Hub and GHCR send them: a Link to the next, relative or absolute.
        let pages = try HostileRegistry(manifests: [:]) { request in
            guard request.path == "/v2/team/paged/tags/list" else { return nil }
            switch request.query("last").first {
            case nil:
                return TestHTTPResponse(status: 200, headers: ["Link": #"</v2/team/paged/tags/list?n=2&last=b>; rel="next""#],
                                        body: Data(#"{"name":"team/paged","tags":["b","a"]}"#.utf8))
            case "b":
                return TestHTTPResponse(status: 200, headers: ["Link": #"<http://127.0.0.2:1/v2/team/paged/tags/list?last=d>; rel="next""#],
                                        body: Data(#"{"name":"team/paged","tags":["c","d"]}"#.utf8))
            default:
                return TestHTTPResponse(status: 500)
            }
        }
        let run = try cli.run(["tags", "http://\(pages.host)/team/paged", "--insecure", "--json"])
        XCTAssertEqual(run.status, 0, run.err)
        let tags = run.out.text.split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String])?["tag"]
        }
        XCTAssertEqual(tags, ["a", "b", "c", "d"], "both pages, and no request to another host")
    }
}
