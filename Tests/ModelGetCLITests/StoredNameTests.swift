import Foundation
import Testing
import TestSupport

/// The commands people type out of habit from ollama and docker, run
/// in-process against a real docker-registry: `cp` / `tag` name a stored
/// model twice (no blob copied), `ls` lists every name (text and JSON), `rm` keeps what
/// another name shares, and `tags` lists a repository's tags, following
/// `Link` pages on the same registry only.
@Suite struct StoredNameTests {
    private static func seed(_ registry: RegistryProcess, _ repository: String, tag: String, sizes: [Int64], seed: UInt64, in cli: InProcessCLI) throws {
        let model = try ModelSeeder.ollamaModel(layerSizes: sizes, seed: seed, in: cli.scratch.appendingPathComponent("gen-\(seed)-\(tag)"))
        try ModelSeeder.write(model, to: registry.storageRoot, repository: repository, tag: tag)
    }

    @Test func cpAndTagNameAStoredModelTwiceAndLsListsBoth() async throws {
        let cli = try InProcessCLI()
        defer { cli.cleanUp() }
        let registry = try RegistryProcess()
        defer { registry.stop() }
        try Self.seed(registry, "team/tiny", tag: "v1", sizes: [50_000, 300], seed: 71, in: cli)
        let source = "\(registry.host)/team/tiny:v1"
        #expect(await cli.run(["pull", source, "--insecure", "-q"]).status == 0)
        let blobs = try FileManager.default.contentsOfDirectory(atPath: cli.models.path + "/blobs").sorted()

        var run = await cli.run(["cp", source, "mine/tiny:stable"])
        #expect(run.status == 0, "\(run.err)")
        #expect(run.out == "copied '\(source)' to 'mine/tiny:stable'\n")
        run = await cli.run(["tag", source, "\(registry.host)/team/tiny:latest", "--json"])
        #expect(run.status == 0, "\(run.err)")
        #expect(run.jsonObjects.count == 1 && run.jsonObjects.first??["event"] as? String == "copied", "\(run.out)")

        let original = try Data(contentsOf: cli.models.appendingPathComponent("manifests/\(registry.host)/team/tiny/v1"))
        #expect(try Data(contentsOf: cli.models.appendingPathComponent("manifests/registry.ollama.ai/mine/tiny/stable")) == original,
                "the manifest byte for byte, under the name as ollama would store it")
        #expect(try FileManager.default.contentsOfDirectory(atPath: cli.models.path + "/blobs").sorted() == blobs, "no blob copied")

        run = await cli.run(["ls"])
        #expect(run.status == 0, "\(run.err)")
        for name in [source, "mine/tiny:stable", "\(registry.host)/team/tiny:latest"] {
            #expect(run.out.contains(name), "\(name) in: \(run.out)")
        }
        // The same in JSON: one object per name, the copies sharing the original's digest and size.
        run = await cli.run(["ls", "--json"])
        let listed = run.jsonObjects.compactMap { $0 }
        #expect(run.status == 0 && listed.count == 3 && run.jsonObjects.count == 3, "\(run.out)")
        #expect(Set(listed.compactMap { $0["name"] as? String }) == [source, "mine/tiny:stable", "\(registry.host)/team/tiny:latest"])
        #expect(Set(listed.compactMap { $0["digest"] as? String }).count == 1 && Set(listed.compactMap { $0["size"] as? Int }).count == 1)
        #expect(listed.allSatisfy { ($0["modified"] as? String).flatMap(ISO8601DateFormatter().date(from:)) != nil }, "\(run.out)")

        // The copy outlives the original: rm keeps the blobs it shares.
        run = await cli.run(["rm", source, "--json"])
        #expect(run.status == 0, "\(run.err)")
        let removed = run.jsonObjects.first ?? nil
        #expect(removed?["event"] as? String == "removed" && removed?["blobs_removed"] as? Int == 0 && removed?["blobs_kept"] as? Int == blobs.count,
                "\(run.out)")
        run = await cli.run(["verify", "mine/tiny:stable"])
        #expect(run.status == 0, "\(run.err)")
    }

    @Test func tagsListsEveryTagOfARealRegistry() async throws {
        let cli = try InProcessCLI()
        defer { cli.cleanUp() }
        let registry = try RegistryProcess()
        defer { registry.stop() }
        for tag in ["v2", "v1", "latest"] {
            try Self.seed(registry, "team/tiny", tag: tag, sizes: [1_000], seed: 72, in: cli)
        }
        let run = await cli.run(["tags", "\(registry.host)/team/tiny", "--insecure"])
        #expect(run.status == 0, "\(run.err)")
        #expect(run.out == "latest\nv1\nv2\n")
        let missing = await cli.run(["tags", "\(registry.host)/team/absent", "--insecure", "--json"])
        #expect(missing.status == 1)
        #expect(missing.jsonObjects.last??["kind"] as? String == "not_found", "\(missing.out)")
        #expect(missing.errLines.count == 1, "\(missing.err)")
    }

    @Test func tagsFollowsLinkPagesOnTheSameRegistryOnly() async throws {
        let cli = try InProcessCLI()
        defer { cli.cleanUp() }
        // Pages as Docker Hub and GHCR send them: a Link to the next, relative or absolute.
        let pages = try LoopbackHTTPServer { request in
            switch (request.path, request.query("last").first) {
            case ("/v2/", _):
                return TestHTTPResponse(status: 200, body: Data("{}".utf8))
            case ("/v2/team/paged/tags/list", nil):
                return TestHTTPResponse(status: 200, headers: ["Link": #"</v2/team/paged/tags/list?n=2&last=b>; rel="next""#],
                                        body: Data(#"{"name":"team/paged","tags":["b","a"]}"#.utf8))
            case ("/v2/team/paged/tags/list", "b"):
                return TestHTTPResponse(status: 200, headers: ["Link": #"<http://127.0.0.2:1/v2/team/paged/tags/list?last=d>; rel="next""#],
                                        body: Data(#"{"name":"team/paged","tags":["c","d"]}"#.utf8))
            default:
                return TestHTTPResponse(status: 500)
            }
        }
        defer { pages.stop() }
        let run = await cli.run(["tags", "http://127.0.0.1:\(pages.port)/team/paged", "--insecure", "--json"])
        #expect(run.status == 0, "\(run.err)")
        #expect(run.jsonObjects.compactMap { $0?["tag"] as? String } == ["a", "b", "c", "d"], "both pages, and no request to another host")
        #expect(run.jsonObjects.allSatisfy { ($0?["reference"] as? String)?.hasPrefix("127.0.0.1:\(pages.port)/team/paged:") == true }, "\(run.out)")
    }
}
