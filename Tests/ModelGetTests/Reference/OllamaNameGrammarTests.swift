import XCTest
@testable import ModelGet

/// The name grammar checked against ollama's own examples
/// (`types/model/name_test.go` at fb3076099): what it accepts is accepted
/// with the same parts and the case kept; what it refuses is refused with
/// one line naming the part.
final class OllamaNameGrammarTests: XCTestCase {
    private let part80 = String(repeating: "8", count: 80)
    private let part350 = String(repeating: "3", count: 350)

    func testOllamasValidNamesParseToTheSameParts() throws {
        let cases: [(String, [String])] = [
            ("_why/_the/_lucky:_stiff", ["_why", "_the", "_lucky", "_stiff"]),
            ("h/n/m:t", ["h", "n", "m", "t"]),
            ("host/namespace/model:tag", ["host", "namespace", "model", "tag"]),
            ("h/nn/mm:t", ["h", "nn", "mm", "t"]),
            ("host:https/namespace/model:tag", ["host:https", "namespace", "model", "tag"]),
            ("registry.ollama.ai/library/dolphin-mistral:7b-v2.6-dpo-laser-q6_K",
             ["registry.ollama.ai", "library", "dolphin-mistral", "7b-v2.6-dpo-laser-q6_K"]),
            ("host:port/namespace/model:tag", ["host:port", "namespace", "model", "tag"]),
            ("host/namespace/model", ["host", "namespace", "model", "latest"]),
            ("namespace/model", ["registry.ollama.ai", "namespace", "model", "latest"]),
            ("model", ["registry.ollama.ai", "library", "model", "latest"]),
            ("\(part80)/\(part80)/\(part80):\(part80)", [part80, part80, part80, part80]),
            ("\(part350)/\(part80)/\(part80):\(part80)", [part350, part80, part80, part80]),
            ("a./n/m:t", ["a.", "n", "m", "t"]),
            ("hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M", ["hf.co", "bartowski", "Llama-3.2-1B-Instruct-GGUF", "Q4_K_M"]),
            ("my_host/Team/Model:Tag", ["my_host", "Team", "Model", "Tag"]),
        ]
        for (input, parts) in cases {
            let ref = try Reference(parsing: input)
            XCTAssertEqual([ref.host, ref.namespace, ref.name, ref.storeTag], parts, input)
            XCTAssertTrue(ref.isStorable, input)
        }
    }

    func testOllamasInvalidNamesAreRefusedNamingThePart() {
        let cases: [(String, String)] = [
            ("", "empty"),
            ("n/m:", "tag"),
            ("@t", "digest"),
            ("m@d", "digest"),
            ("^", "model"),
            ("mm:", "tag"),
            ("/nn/mm", "empty"),
            ("//", "empty"),
            ("//mm", "empty"),
            ("hh//", "empty"),
            ("//mm:@", "digest"),
            ("00@", "digest"),
            ("@", "digest"),
            ("-hh/nn/mm:tt", "host"),
            ("hh/-nn/mm:tt", "namespace"),
            ("hh/nn/-mm:tt", "model"),
            ("hh/nn/mm:-tt", "tag"),
            ("host/name:space/model:tag", "namespace"),
            ("h/a./m:t", "namespace"),
            ("h/n/" + part80 + "9:t", "model"),
            ("h/n/m:" + part80 + "9", "tag"),
            (part350 + "3/n/m:t", "host"),
        ]
        for (input, part) in cases {
            XCTAssertThrowsError(try Reference(parsing: input), input) { error in
                guard case let ModelGetError.invalidReference(_, reason) = error else { return XCTFail("\(input): \(error)") }
                XCTAssertTrue(reason.contains(part), "\(input): \(reason)")
                XCTAssertFalse("\(error)".contains("\n"), "one line")
            }
        }
    }

    func testStorePathsKeepTheCaseAsTyped() throws {
        let store = ModelStore(root: URL(fileURLWithPath: "/m"))
        let ref = try Reference(parsing: "hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M")
        XCTAssertEqual(store.manifestPath(ref), "/m/manifests/hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF/Q4_K_M")
        XCTAssertEqual(ref.displayName, "hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M")
        XCTAssertEqual(try Reference(parsing: "Registry.Ollama.AI/Library/x:1").displayName, "x:1", "ollama's DisplayShortest ignores case")
    }

    func testNestedRepositoriesParseButCannotBeStored() async throws {
        let ref = try Reference(parsing: "ghcr.io/org/team/model:v1")
        XCTAssertEqual(ref.repository, "org/team/model")
        XCTAssertFalse(ref.isStorable)
        let store = ModelStore(root: FileManager.default.temporaryDirectory.appendingPathComponent("nested-\(UUID().uuidString)"))
        XCTAssertThrowsError(try store.checkStorable(ref)) { error in
            XCTAssertTrue("\(error)".contains("--as"), "\(error)")
        }
        defer { try? FileManager.default.removeItem(at: store.root) }
        try await store.whileWriting { lease in
            XCTAssertThrowsError(try store.writeManifest(Data("{}".utf8), for: ref, under: lease)) { error in
                XCTAssertTrue("\(error)".contains("--as"), "\(error)")
            }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: store.manifestsDirectory))
    }

    func testStoreFilePathsReadAsOllamaReadsThem() {
        XCTAssertNotNil(Reference(storePath: ["host:port", "namespace", "model", "tag"]))
        XCTAssertNotNil(Reference(storePath: ["hf.co", "User", "Repo", "Q4_K_M"]))
        XCTAssertNil(Reference(storePath: ["namespace", "model", "tag"]))
        XCTAssertNil(Reference(storePath: ["..", "..", "model", "tag"]))
        XCTAssertNil(Reference(storePath: [".", ".", ".", "."]))
        XCTAssertNil(Reference(storePath: ["h", "n", "m", ".t.tmp-1"]))
    }
}
