import Foundation
import ModelGet
import TestSupport
import XCTest

/// A registry written to misbehave, played by a loopback server: sizes
/// that overflow, text that attacks the terminal, a token response too big
/// to take, a signed CDN link that must never be printed.
final class HostileRegistryTests: XCTestCase {
    private let template = "application/vnd.ollama.image.template"

    /// Asserts `text` is one line of error with no control characters.
    private func assertOneSafeLine(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertTrue(text.hasSuffix("\n"), text, file: file, line: line)
        XCTAssertEqual(text.filter { $0 == "\n" }.count, 1, "more than one line: \(text.prefix(300))", file: file, line: line)
        XCTAssertFalse(text.dropLast().unicodeScalars.contains { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) },
                       "control characters: \(text.prefix(300))", file: file, line: line)
        XCTAssertLessThan(text.count, 1000, file: file, line: line)
    }

    func testOverflowingSizesAreOneLineAndTheOtherModelsCarryOn() throws {
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        let good = try ModelSeeder.ollamaModel(layerSizes: [20_000, 300], seed: 11, in: cli.scratch.appendingPathComponent("good"))
        var blobs: [String: Data] = [:]
        for blob in [good.config] + good.layers { blobs[blob.digest] = try Data(contentsOf: blob.path) }
        let config = (good.config.digest, good.config.size)
        let overflowing = HostileRegistry.manifest(config: config, layers: [("application/vnd.ollama.image.model", good.layers[0].digest, .max)])
        let summing = HostileRegistry.manifest(config: config, layers: (0..<3).map { _ in
            ("application/vnd.ollama.image.model", good.layers[0].digest, Int64(1) << 52) })
        let registry = try HostileRegistry(
            manifests: ["library/good:latest": good.manifest, "library/huge:latest": overflowing, "library/sum:latest": summing],
            blobs: blobs)

        for name in ["huge", "sum"] {
            for command in [["pull"], ["show", "--remote"]] {
                let run = try cli.run(command + ["http://\(registry.host)/library/\(name)", "--insecure"])
                XCTAssertEqual(run.status, 1, "\(command) \(name): \(run.err)")
                XCTAssertTrue(run.err.hasPrefix("modelget: invalid manifest: "), run.err)
                assertOneSafeLine(run.err)
            }
        }

        // A sync of all three: the good model is pulled, the others fail in one line each.
        let list = cli.scratch.appendingPathComponent("models.json")
        let names = ["huge", "good", "sum"].map { #"{"name": "http://\#(registry.host)/library/\#($0)", "insecure": true}"# }
        try Data(#"{"models": [\#(names.joined(separator: ", "))]}"#.utf8).write(to: list)
        let sync = try cli.run(["sync", list.path])
        XCTAssertEqual(sync.status, 1, sync.err)
        let report = sync.out.text
        XCTAssertTrue(report.contains("\(registry.host)/library/good:latest: pulled"), report)
        XCTAssertTrue(report.contains("\(registry.host)/library/huge:latest: FAILED: invalid manifest: size 9223372036854775807"), report)
        XCTAssertTrue(report.contains("\(registry.host)/library/sum:latest: FAILED: invalid manifest: the sizes of its blobs add up"), report)

        // The same manifests left in the store by another tool: list carries on, show says why in one line.
        try cli.storeByHand("\(registry.host)/library/huge/latest", manifest: overflowing)
        try cli.storeByHand("\(registry.host)/library/dup/latest",
                            manifest: Data(String(decoding: good.manifest, as: UTF8.self).replacingOccurrences(
                                of: "\"layers\":", with: "\"layers\":[],\"layers\":").utf8))
        let listed = try cli.run(["list"])
        XCTAssertEqual(listed.status, 0, listed.err)
        XCTAssertTrue(listed.out.text.contains("\(registry.host)/library/good:latest"), listed.out.text)
        XCTAssertTrue(listed.err.contains("huge/latest"), listed.err)
        XCTAssertTrue(listed.err.contains("key \"layers\" appears twice"), listed.err)
        for name in ["huge", "dup"] {
            let show = try cli.run(["show", "\(registry.host)/library/\(name)"])
            XCTAssertEqual(show.status, 1, show.err)
            XCTAssertTrue(show.err.contains("invalid manifest"), show.err)
            assertOneSafeLine(show.err)
        }
    }

    func testRegistryTextCannotDriveTheTerminal() throws {
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        let attack = "\u{1B}[2J\u{1B}]0;owned\u{07}\nmodelget: pulled everything\r"
        let config = Data(#"{"model_format":"\u001b[31mgguf","model_family":"llama\nfake line","file_type":"Q4\u009b2J"}"#.utf8)
        let templateText = Data("{{ .Prompt }}\u{1B}]0;title\u{07}\n\u{202E}gnp.exe".utf8)
        let manifest = HostileRegistry.manifest(
            config: (HostileRegistry.digest(config), Int64(config.count)),
            layers: [(MediaType.ollamaModel, HostileRegistry.digest(Data("w".utf8)), 1),
                     (template, HostileRegistry.digest(templateText), Int64(templateText.count))])
        // A media type is sent back to registries, so one that is no RFC 6838 token refuses the manifest.
        let badType = HostileRegistry.manifest(
            config: (HostileRegistry.digest(config), Int64(config.count)),
            layers: [("application/vnd.ollama.image.model\\u001b[2J", HostileRegistry.digest(Data("w".utf8)), 1)])
        let errorBody = try JSONSerialization.data(withJSONObject: ["errors": [["code": "DENIED", "message": String(repeating: attack, count: 3000)]]])
        let registry = try HostileRegistry(
            manifests: ["library/shown:latest": manifest, "library/badtype:latest": badType],
            blobs: [HostileRegistry.digest(config): config, HostileRegistry.digest(templateText): templateText]) { request in
                request.path.contains("/denied/") ? TestHTTPResponse(status: 403, body: errorBody) : nil
            }

        let pull = try cli.run(["pull", "http://\(registry.host)/library/denied", "--insecure"])
        XCTAssertEqual(pull.status, 1)
        XCTAssertTrue(pull.err.hasPrefix("modelget: http://\(registry.host)/v2/library/denied/manifests/latest: HTTP 403 DENIED: \\u{1b}[2J"), pull.err)
        assertOneSafeLine(pull.err)

        let show = try cli.run(["show", "--remote", "http://\(registry.host)/library/shown", "--insecure"])
        XCTAssertEqual(show.status, 0, show.err)
        let printed = show.out.text
        XCTAssertFalse(printed.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n") || (0x7F...0x9F).contains($0.value) || $0 == "\u{202E}" },
                       printed)
        for expected in [#"format        \u{1b}[31mgguf"#, #"family        llama\nfake line"#, #"quantization  Q4\u{9b}2J"#,
                         #"\u{202e}gnp.exe"#] {
            XCTAssertTrue(printed.contains(expected), "\(expected) in \(printed)")
        }

        let refused = try cli.run(["show", "--remote", "http://\(registry.host)/library/badtype", "--insecure"])
        XCTAssertEqual(refused.status, 1, refused.err)
        XCTAssertTrue(refused.err.contains(#"invalid manifest: the mediaType of sha256:"#), refused.err)
        XCTAssertTrue(refused.err.contains(#""application/vnd.ollama.image.model\u{1b}[2J" is not a media type"#), refused.err)
        assertOneSafeLine(refused.err)
    }

    func testOversizedTokenResponseIsNamed() throws {
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        let registry = try HostileRegistry(manifests: [:]) { request in
            if request.path == "/token" { return TestHTTPResponse(status: 200, body: Data(count: 5 << 20)) }
            let realm = "http://\(request.headers["Host"] ?? "")/token"
            return TestHTTPResponse(status: 401, headers: ["WWW-Authenticate": #"Bearer realm="\#(realm)",service="hostile""#])
        }
        let run = try cli.run(["pull", "http://\(registry.host)/library/any", "--insecure"])
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.err.contains("the token response is larger than 4194304 bytes"), run.err)
        XCTAssertFalse(run.err.contains("manifest"), run.err)
        assertOneSafeLine(run.err)
    }

    func testSignedCDNLinksAndPasswordsAreNeverPrinted() throws {
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        let model = try ModelSeeder.ollamaModel(layerSizes: [2_000], seed: 12, in: cli.scratch.appendingPathComponent("m"))
        // Nothing listens on port 1: every CDN request fails at connect.
        let signed = "http://cdnuser:hunter2@127.0.0.2:1/cdn/blob?X-Amz-Credential=AKIACRED%2F20260101&X-Amz-Signature=SIGSECRET&__sign=HFSIGN"
        let registry = try HostileRegistry(manifests: ["library/signed:latest": model.manifest]) { request in
            request.path.contains("/blobs/") ? TestHTTPResponse(status: 307, headers: ["Location": signed]) : nil
        }
        // Plain, --json, and --debug (which prints every request line, the CDN's too).
        for flags in [[], ["--json"], ["--debug"]] {
            let run = try cli.run(["pull", "http://\(registry.host)/library/signed", "--insecure"] + flags)
            XCTAssertEqual(run.status, 1, run.err)
            let everything = run.out.text + run.err
            XCTAssertTrue(everything.contains("http://127.0.0.2:1/cdn/blob"), everything)
            if flags == ["--debug"] { XCTAssertTrue(run.err.contains("> GET http://127.0.0.2:1/cdn/blob"), run.err) }
            for secret in ["hunter2", "cdnuser", "AKIACRED", "SIGSECRET", "HFSIGN", "X-Amz"] {
                XCTAssertFalse(everything.contains(secret), "\(secret) printed: \(everything)")
            }
        }
    }

    func testShowBoundsTextLayers() throws {
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        let config = Data(#"{"model_format":"gguf"}"#.utf8)
        let weights = Data("GGUF".utf8)
        let big = Data(repeating: UInt8(ascii: "t"), count: 2 << 20)
        // A 1 GiB template (sparse): show must not read it.
        let hugeDigest = "sha256:" + String(repeating: "e", count: 64)
        let host = "127.0.0.1:1"
        func manifest(_ templates: [(String, Int64)]) -> Data {
            HostileRegistry.manifest(config: (HostileRegistry.digest(config), Int64(config.count)),
                                     layers: [("application/vnd.ollama.image.model", HostileRegistry.digest(weights), 4)]
                                         + templates.map { (template, $0.0, $0.1) })
        }
        try cli.storeByHand("\(host)/library/big/latest", manifest: manifest([(HostileRegistry.digest(big), Int64(big.count))]),
                            blobs: [config, weights, big])
        try cli.storeByHand("\(host)/library/huge/latest", manifest: manifest([(hugeDigest, 1 << 30)]))
        let hugeFile = cli.blobPath(hugeDigest)
        XCTAssertTrue(FileManager.default.createFile(atPath: hugeFile, contents: nil))
        XCTAssertEqual(truncate(hugeFile, 1 << 30), 0)
        // The manifest says 100 bytes; the file on disk is 1 GiB.
        try cli.storeByHand("\(host)/library/lying/latest", manifest: manifest([(hugeDigest, 100)]))

        var show = try cli.run(["show", "\(host)/library/big"])
        XCTAssertEqual(show.status, 0, show.err)
        XCTAssertTrue(show.out.text.contains("  Template\n    (2097152 bytes)"), show.out.text)
        show = try cli.run(["show", "\(host)/library/huge"])
        XCTAssertEqual(show.status, 0, show.err)
        XCTAssertTrue(show.out.text.contains("  Template\n    (1073741824 bytes)"), show.out.text)
        show = try cli.run(["show", "\(host)/library/lying"])
        XCTAssertEqual(show.status, 1, show.out.text)
        assertOneSafeLine(show.err)
    }
}
