import Foundation
import Testing

/// Store commands and file checks that need no registry, run in-process:
/// what a user sees on stdout and stderr, and the exit status.
@Suite struct StoreCommandTests {
    @Test func listOfAnEmptyStoreIsTheHeaderAloneOrNoJSON() async throws {
        let cli = try InProcessCLI()
        defer { cli.cleanUp() }
        let text = await cli.run(["ls"])
        #expect(text.status == 0)
        #expect(text.out.hasPrefix("NAME") && text.out.hasSuffix("MODIFIED\n") && text.out.split(separator: "\n").count == 1, "\(text.out)")
        #expect(text.err.isEmpty)
        let json = await cli.run(["ls", "--json"])
        #expect(json.status == 0 && json.out.isEmpty && json.err.isEmpty, "\(json.out)\(json.err)")
    }

    @Test func copyingAModelTheStoreLacksFailsInOneLine() async throws {
        let cli = try InProcessCLI()
        defer { cli.cleanUp() }
        let run = await cli.run(["cp", "absent:v1", "other:v1", "--json"])
        #expect(run.status == 1)
        #expect(run.errLines == ["modelget: absent:v1: no such model in the models directory"], "\(run.err)")
        #expect(run.jsonObjects.count == 1 && run.jsonObjects.first??["kind"] as? String == "not_found", "\(run.out)")
        #expect(!FileManager.default.fileExists(atPath: cli.models.path + "/manifests"), "nothing written")
    }

    /// A malformed sync file is refused with its line before any fetch:
    /// no registry is asked (none listens at 127.0.0.1:1) and no blob is written.
    @Test func aMalformedSyncFileIsRejectedBeforeAnyFetch() async throws {
        let cli = try InProcessCLI()
        defer { cli.cleanUp() }
        let list = cli.scratch.appendingPathComponent("models.json")
        try Data("{\"models\": [\n  {\"name\": \"127.0.0.1:1/lib/a\", \"insecure\": true},\n  {\"name\": \"x\", \"platform\": 5}\n]}".utf8).write(to: list)
        let run = await cli.run(["sync", list.path])
        #expect(run.status == 1)
        #expect(run.errLines.count == 1 && run.err.contains("models.json:3: models[1].platform"), "\(run.err)")
        #expect(!FileManager.default.fileExists(atPath: cli.models.path + "/blobs"))
    }
}
