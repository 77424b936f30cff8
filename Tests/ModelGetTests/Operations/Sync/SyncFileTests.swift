import Foundation
import XCTest
@testable import ModelGet

final class SyncFileTests: XCTestCase {
    private func parse(_ text: String) throws -> SyncFile {
        try SyncFile.parse(Data(text.utf8), path: "/lists/models.json")
    }

    /// The message of the error `text` is rejected with.
    private func rejection(_ text: String, file: StaticString = #filePath, line: UInt = #line) -> String {
        do {
            _ = try parse(text)
            XCTFail("accepted: \(text)", file: file, line: line)
            return ""
        } catch {
            return "\(error)"
        }
    }

    func testValidFileWithEveryField() throws {
        let file = try parse("""
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
        XCTAssertEqual(file.models.map(\.reference.displayName), ["llama3.2:1b", "127.0.0.1:5000/team/tiny:v1"])
        XCTAssertEqual(file.models.map(\.line), [6, 7])
        XCTAssertEqual(file.models.map(\.insecure), [false, true])
        XCTAssertEqual(file.models[1].platform, Platform(os: "linux", architecture: "arm64", variant: "v8"))
        XCTAssertEqual(file.modelsDirectory?.path, "/lists/store")
        XCTAssertEqual(file.concurrency, 8)
        XCTAssertEqual(file.mirror, SyncFile.Mirror(host: "mirror.local:5000", prefix: ["ollama"], insecure: true))
        let destination = file.mirror!.destination(for: file.models[0].reference)
        XCTAssertEqual(destination.description, "mirror.local:5000/ollama/library/llama3.2:1b")
    }

    func testMinimalFileAndStringMirror() throws {
        let file = try parse(#"{"models": ["qwen2.5:0.5b"], "mirror": "localhost:5000"}"#)
        XCTAssertEqual(file.models.count, 1)
        XCTAssertNil(file.modelsDirectory)
        XCTAssertEqual(file.mirror?.host, "localhost:5000")
        XCTAssertEqual(file.mirror?.insecure, false)
    }

    func testTheExampleFileIsValid() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../../../models.example.json").standardizedFileURL
        let file = try SyncFile.load(path: url.path)
        XCTAssertTrue(file.models.map(\.reference.displayName).contains("llama3.2:1b"))
        XCTAssertEqual(file.mirror?.host, "mirror.local:5000", "the example shows the mirror key")
        XCTAssertEqual(file.mirror?.prefix, ["ollama"])
    }

    func testSyntaxErrorNamesItsLine() {
        let message = rejection("{\n  \"models\": [\n    \"a\"\n    \"b\"\n  ]\n}")
        XCTAssertTrue(message.hasPrefix("/lists/models.json:4: not valid JSON"), message)
    }

    func testUnterminatedFile() {
        let message = rejection("{\n  \"models\": [\"a\",\n")
        XCTAssertTrue(message.contains("not valid JSON"), message)
    }

    func testWrongTypeNamesLineAndField() {
        let message = rejection("{\n  \"models\": [\n    \"a\",\n    {\"name\": \"b\",\n     \"insecure\": \"yes\"}\n  ]\n}")
        XCTAssertEqual(message, "/lists/models.json:5: models[1].insecure: want true or false")
    }

    func testNumberIsNotABoolean() {
        let message = rejection(#"{"models": [{"name": "b", "insecure": 1}]}"#)
        XCTAssertTrue(message.contains("models[0].insecure: want true or false"), message)
    }

    func testBadModelName() {
        let message = rejection("{\"models\": [\n\"-llama3\"]}")
        XCTAssertTrue(message.hasPrefix("/lists/models.json:2: models[0]: \"-llama3\" is not a model name"), message)
    }

    func testUnknownFieldIsRefused() {
        let message = rejection("{\"models\": [],\n \"modles_dir\": \"x\"}")
        XCTAssertTrue(message.hasPrefix("/lists/models.json:2: modles_dir: unknown field"), message)
    }

    func testMissingModels() {
        XCTAssertTrue(rejection(#"{"models_dir": "x"}"#).contains("missing \"models\""))
        XCTAssertTrue(rejection(#"["a"]"#).contains("want a JSON object"))
        XCTAssertTrue(rejection(#"{"models": "a"}"#).contains("models: want a list"))
    }

    func testEntryWithoutName() {
        let message = rejection("{\"models\": [\n {\"insecure\": true}]}")
        XCTAssertEqual(message, "/lists/models.json:2: models[0]: want \"name\": a model name")
    }

    func testDuplicateModel() {
        let message = rejection("{\"models\": [\n\"llama3\",\n\"registry.ollama.ai/library/llama3:latest\"]}")
        XCTAssertEqual(message, "/lists/models.json:3: models[1]: llama3:latest is listed twice (first on line 2)")
    }

    func testDuplicateKey() {
        let message = rejection("{\"models\": [],\n\"models\": []}")
        XCTAssertTrue(message.hasPrefix("/lists/models.json:2: not valid JSON: key \"models\" appears twice"), message)
    }

    func testBadPlatformMirrorAndConcurrency() {
        XCTAssertTrue(rejection(#"{"models": [{"name": "a", "platform": "linux"}]}"#).contains("models[0].platform: want os/arch"))
        XCTAssertTrue(rejection(#"{"models": [], "mirror": "Mirror"}"#).contains("mirror:"))
        XCTAssertTrue(rejection(#"{"models": [], "mirror": {"registry": "m.local", "insecure": "no"}}"#).contains("mirror.insecure: want true or false"))
        XCTAssertTrue(rejection(#"{"models": [], "concurrency": 0}"#).contains("concurrency: want a whole number"))
        XCTAssertTrue(rejection(#"{"models": [], "concurrency": true}"#).contains("concurrency: want a whole number"))
    }

    /// The mirror's path after the host is checked by the reference parser's
    /// own rule (ollama's, mixed case allowed) and refused in its words.
    func testMirrorPathFollowsTheReferenceGrammar() throws {
        let file = try parse(#"{"models": ["a"], "mirror": "m.local:5000/Team_A/hf.co"}"#)
        XCTAssertEqual(file.mirror?.prefix, ["Team_A", "hf.co"])
        let message = rejection("{\"models\": [],\n \"mirror\": {\"registry\": \"m.local/ok/-bad\"}}")
        XCTAssertEqual(message, "/lists/models.json:2: mirror.registry: the path after the host: repository component \"-bad\" must start with a letter, digit or '_' and contain only letters, digits, '_', '-' and '.'")
        XCTAssertFalse(message.contains("lowercase"))
        XCTAssertTrue(rejection(#"{"models": [], "mirror": "m.local/a//b"}"#).contains("mirror: the path after the host: repository component \"\""))
    }

    func testDeepNestingIsRefusedNotACrash() {
        let deep = #"{"models": ["# + String(repeating: "[", count: 50_000) + String(repeating: "]", count: 50_000) + "]}"
        let message = rejection(deep)
        XCTAssertTrue(message.hasPrefix("/lists/models.json:1: not valid JSON: nested deeper than 64 levels"), message)
        XCTAssertTrue(rejection(String(repeating: "{\"a\":", count: 50_000)).contains("nested deeper than 64 levels"))
    }
}
