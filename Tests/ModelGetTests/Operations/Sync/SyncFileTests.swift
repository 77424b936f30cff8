import Foundation
import Testing
@testable import ModelGet

/// `modelget sync`'s list of models: every field read, and each mistake
/// refused in one line naming the file, its line and the field.
struct SyncFileTests {
    private static func parse(_ text: String) throws -> SyncFile {
        try SyncFile.parse(Data(text.utf8), path: "/lists/models.json")
    }

    @Test func aValidFileWithEveryField() throws {
        let file = try Self.parse("""
        {
          "models_dir": "store",
          "mirror": {"registry": "mirror.local:5000/ollama", "insecure": true},
          "concurrency": 8,
          "models": [
            "llama3.2:1b",
            {"name": "127.0.0.1:5000/team/tiny:v1", "insecure": true, "platform": "linux/arm64/v8"}
          ]
        }
        """)
        #expect(file.models.map(\.reference.displayName) == ["llama3.2:1b", "127.0.0.1:5000/team/tiny:v1"])
        #expect(file.models.map(\.line) == [6, 7])
        #expect(file.models.map(\.insecure) == [false, true])
        #expect(file.models[1].platform == Platform(os: "linux", architecture: "arm64", variant: "v8"))
        #expect(file.modelsDirectory?.path == "/lists/store")
        #expect(file.concurrency == 8)
        #expect(file.mirror == SyncFile.Mirror(host: "mirror.local:5000", prefix: ["ollama"], insecure: true))
        let destination = try #require(file.mirror).destination(for: file.models[0].reference)
        #expect(destination.description == "mirror.local:5000/ollama/library/llama3.2:1b")
    }

    @Test func aMinimalFileAndAStringMirror() throws {
        let file = try Self.parse(#"{"models": ["qwen2.5:0.5b"], "mirror": "localhost:5000"}"#)
        #expect(file.models.count == 1)
        #expect(file.modelsDirectory == nil)
        #expect(file.mirror?.host == "localhost:5000")
        #expect(file.mirror?.insecure == false)
    }

    @Test func theExampleFileIsValid() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../../../models.example.json").standardizedFileURL
        let file = try SyncFile.load(path: url.path)
        #expect(file.models.map(\.reference.displayName).contains("llama3.2:1b"))
        #expect(file.mirror?.host == "mirror.local:5000", "the example shows the mirror key")
        #expect(file.mirror?.prefix == ["ollama"])
    }

    /// The mirror's path after the host is checked by the reference
    /// parser's own rule (ollama's, mixed case allowed).
    @Test func theMirrorPathFollowsTheReferenceGrammar() throws {
        let file = try Self.parse(#"{"models": ["a"], "mirror": "m.local:5000/Team_A/hf.co"}"#)
        #expect(file.mirror?.prefix == ["Team_A", "hf.co"])
    }

    /// What a refusal's message must be.
    enum Message: Sendable {
        case exactly(String), startsWith(String), contains(String)

        func matches(_ message: String) -> Bool {
            switch self {
            case let .exactly(text): message == text
            case let .startsWith(text): message.hasPrefix(text)
            case let .contains(text): message.contains(text)
            }
        }
    }

    /// A list with a mistake and the message that refuses it.
    struct Refusal: Sendable, CustomTestStringConvertible {
        let text: String
        let message: Message

        init(_ text: String, _ message: Message) {
            self.text = text
            self.message = message
        }

        /// The list's start (two are 100 KB deep).
        var testDescription: String { String(text.prefix(60)) }
    }

    static let refusals: [Refusal] = [
        Refusal("{\n  \"models\": [\n    \"a\"\n    \"b\"\n  ]\n}", .startsWith("/lists/models.json:4: not valid JSON")),
        Refusal("{\n  \"models\": [\"a\",\n", .contains("not valid JSON")),
        Refusal("{\n  \"models\": [\n    \"a\",\n    {\"name\": \"b\",\n     \"insecure\": \"yes\"}\n  ]\n}",
         .exactly("/lists/models.json:5: models[1].insecure: want true or false")),
        Refusal(#"{"models": [{"name": "b", "insecure": 1}]}"#, .contains("models[0].insecure: want true or false")),
        Refusal("{\"models\": [\n\"-llama3\"]}", .startsWith("/lists/models.json:2: models[0]: \"-llama3\" is not a model name")),
        Refusal("{\"models\": [],\n \"modles_dir\": \"x\"}", .startsWith("/lists/models.json:2: modles_dir: unknown field")),
        Refusal(#"{"models_dir": "x"}"#, .contains("missing \"models\"")),
        Refusal(#"["a"]"#, .contains("want a JSON object")),
        Refusal(#"{"models": "a"}"#, .contains("models: want a list")),
        Refusal("{\"models\": [\n {\"insecure\": true}]}", .exactly("/lists/models.json:2: models[0]: want \"name\": a model name")),
        Refusal("{\"models\": [\n\"llama3\",\n\"registry.ollama.ai/library/llama3:latest\"]}",
         .exactly("/lists/models.json:3: models[1]: llama3:latest is listed twice (first on line 2)")),
        Refusal("{\"models\": [],\n\"models\": []}", .startsWith("/lists/models.json:2: not valid JSON: key \"models\" appears twice")),
        Refusal(#"{"models": [{"name": "a", "platform": "linux"}]}"#, .contains("models[0].platform: want os/arch")),
        Refusal(#"{"models": [], "mirror": "Mirror"}"#, .contains("mirror:")),
        Refusal(#"{"models": [], "mirror": {"registry": "m.local", "insecure": "no"}}"#, .contains("mirror.insecure: want true or false")),
        Refusal(#"{"models": [], "concurrency": 0}"#, .contains("concurrency: want a whole number")),
        Refusal(#"{"models": [], "concurrency": true}"#, .contains("concurrency: want a whole number")),
        // The mirror's path is refused in the reference parser's words (mixed case allowed, so no "lowercase").
        Refusal("{\"models\": [],\n \"mirror\": {\"registry\": \"m.local/ok/-bad\"}}",
         .exactly("/lists/models.json:2: mirror.registry: the path after the host: repository component \"-bad\" must start with a letter, digit or '_' and contain only letters, digits, '_', '-' and '.'")),
        Refusal(#"{"models": [], "mirror": "m.local/a//b"}"#, .contains("mirror: the path after the host: repository component \"\"")),
        // Deep nesting is refused, not a crash.
        Refusal(#"{"models": ["# + String(repeating: "[", count: 50_000) + String(repeating: "]", count: 50_000) + "]}",
         .startsWith("/lists/models.json:1: not valid JSON: nested deeper than 64 levels")),
        Refusal(String(repeating: "{\"a\":", count: 50_000), .contains("nested deeper than 64 levels")),
    ]

    @Test(arguments: refusals)
    func aMistakeIsRefusedInOneLine(_ refusal: Refusal) {
        let error = #expect(throws: (any Error).self) { try Self.parse(refusal.text) }
        let message = error.map { "\($0)" } ?? ""
        #expect(refusal.message.matches(message), "\(message)")
        #expect(!message.contains("\n"), "one line")
    }
}
