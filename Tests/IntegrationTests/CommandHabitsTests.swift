import Foundation
import TestSupport
import XCTest

/// `tags` following `Link` pages as Docker Hub and GHCR send them, from a
/// hostile loopback server. The other habits from ollama and docker (`ls`,
/// `cp` / `tag`, `tags` of a real docker-registry, an unknown command
/// answered with the one meant) run in-process in `Tests/ModelGetCLITests`
/// (`StoredNameTests`, `UsageErrorTests`).
final class CommandHabitsTests: XCTestCase {
    private var cli: CLIHarness!

    override func setUpWithError() throws { cli = try CLIHarness() }
    override func tearDown() { cli.cleanUp() }

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
