import Foundation
import Testing
import TestSupport

/// The commands people type out of habit from ollama and docker, run
/// in-process against a real docker-registry: `cp` / `tag` name a stored
/// model twice (no blob copied), `ls` lists every name (text and JSON), `rm` keeps what
/// another name shares, and `tags` lists a repository's tags. (`tags`
/// following `Link` pages across a hostile server stays in
/// `Tests/IntegrationTests/CommandHabitsTests`, beside its server.)
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
}
