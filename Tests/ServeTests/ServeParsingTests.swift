import Foundation
import ModelGet
@testable import ModelGetServe
import XCTest

/// The pure parts: Range headers, served names and routes, `--upstream`,
/// signed blob links, and `serve --help`.
final class ServeParsingTests: XCTestCase {
    func testRangeHeaders() {
        XCTAssertEqual(ByteRangeRequest(header: nil, size: 10), .whole)
        XCTAssertEqual(ByteRangeRequest(header: "bytes=0-4", size: 10), .partial(0...4))
        XCTAssertEqual(ByteRangeRequest(header: "bytes=5-", size: 10), .partial(5...9))
        XCTAssertEqual(ByteRangeRequest(header: "bytes=-3", size: 10), .partial(7...9))
        XCTAssertEqual(ByteRangeRequest(header: "bytes=-30", size: 10), .partial(0...9))
        XCTAssertEqual(ByteRangeRequest(header: "bytes=8-100", size: 10), .partial(8...9))
        XCTAssertEqual(ByteRangeRequest(header: "bytes=10-", size: 10), .unsatisfiable)
        XCTAssertEqual(ByteRangeRequest(header: "bytes=0-", size: 0), .unsatisfiable)
        XCTAssertEqual(ByteRangeRequest(header: "bytes=-0", size: 10), .unsatisfiable)
        XCTAssertEqual(ByteRangeRequest(header: "bytes=99999999999999999999-", size: 10), .unsatisfiable)
        XCTAssertEqual(ByteRangeRequest(header: "bytes=1-99999999999999999999", size: 10), .partial(1...9))
        for ignored in ["bytes=4-2", "bytes=0-1,4-5", "lines=0-1", "bytes=a-b", "bytes=-", "bytes=+1-2"] {
            XCTAssertEqual(ByteRangeRequest(header: ignored, size: 10), .whole, ignored)
        }
    }

    func testServedNamesFollowOllamasGrammar() throws {
        let one = try XCTUnwrap(ServedName(["llama3"], defaultHost: "registry.ollama.ai"))
        XCTAssertEqual([one.host, one.namespace, one.model], ["registry.ollama.ai", "library", "llama3"])
        let three = try XCTUnwrap(ServedName(["hf.co", "User", "Repo-GGUF"], defaultHost: "x"))
        XCTAssertEqual([three.host, three.namespace, three.model], ["hf.co", "User", "Repo-GGUF"])
        XCTAssertNotNil(ServedName(["localhost:5000", "a", "b"], defaultHost: "x"))
        for bad: [Substring] in [[".."], ["a", ".."], ["a.b", "c"], ["-a"], ["a", "b", "c", "d"], [""], ["a%2e"], ["a b"],
                                 [Substring(String(repeating: "a", count: 81))], ["ns", ".hidden"]] {
            XCTAssertNil(ServedName(bad, defaultHost: "x"), "\(bad)")
        }
        XCTAssertTrue(ServedName.isValidTag("Q4_K_M"))
        XCTAssertFalse(ServedName.isValidTag(".."))
        XCTAssertFalse(ServedName.isValidTag(Substring(String(repeating: "a", count: 129))))
    }

    func testRoutes() throws {
        let name = try XCTUnwrap(ServedName(["library", "tiny"], defaultHost: "h"))
        let digest = try Digest("sha256:" + String(repeating: "a", count: 64))
        XCTAssertEqual(try DistributionRoute.parse("/v2/", defaultHost: "h"), .base)
        XCTAssertEqual(try DistributionRoute.parse("/v2", defaultHost: "h"), .base)
        XCTAssertEqual(try DistributionRoute.parse("/v2/_catalog", defaultHost: "h"), .catalog)
        XCTAssertEqual(try DistributionRoute.parse("/v2/library/tiny/tags/list", defaultHost: "h"), .tags(name))
        XCTAssertEqual(try DistributionRoute.parse("/v2/library/tiny/manifests/v1", defaultHost: "h"), .manifest(name, .tag("v1")))
        XCTAssertEqual(try DistributionRoute.parse("/v2/library/tiny/manifests/\(digest)", defaultHost: "h"), .manifest(name, .digest(digest)))
        XCTAssertEqual(try DistributionRoute.parse("/v2/library/tiny/blobs/\(digest)", defaultHost: "h"), .blob(name, digest))
        XCTAssertEqual(try DistributionRoute.parse("/v2/library/tiny/blobs/uploads/", defaultHost: "h"), .upload)
        XCTAssertEqual(try DistributionRoute.parse("/v2/library/tiny/blobs/uploads/1234", defaultHost: "h"), .upload)
        XCTAssertNil(try DistributionRoute.parse("/v1/x", defaultHost: "h"))
        XCTAssertNil(try DistributionRoute.parse("/v2/library/tiny/other/x", defaultHost: "h"))
        XCTAssertThrowsError(try DistributionRoute.parse("/v2/library/tiny/blobs/sha512:abc", defaultHost: "h"))
        XCTAssertThrowsError(try DistributionRoute.parse("/v2/../x/manifests/latest", defaultHost: "h"))
    }

    func testUpstreamOption() throws {
        let plain = try Upstream(parsing: "https://registry.ollama.ai")
        XCTAssertEqual(plain.host, "registry.ollama.ai")
        XCTAssertTrue(plain.isDefault)
        let port = try Upstream(parsing: "http://127.0.0.1:5000/")
        XCTAssertEqual(port.host, "127.0.0.1:5000")
        let named = try Upstream(parsing: "hf.co=https://huggingface.co")
        XCTAssertEqual(named.host, "hf.co")
        XCTAssertFalse(named.isDefault)
        for bad in ["registry.ollama.ai", "ftp://x", "https://x/v2/", "a b=https://x", "https://x?y=1"] {
            XCTAssertThrowsError(try Upstream(parsing: bad), bad)
        }
    }

    func testSignedLinksAreBoundToNameDigestTimeAndCredentials() throws {
        let signer = BlobLinkSigner()
        let name = try XCTUnwrap(ServedName(["library", "tiny"], defaultHost: "h"))
        let other = try XCTUnwrap(ServedName(["library", "other"], defaultHost: "h"))
        let digest = try Digest("sha256:" + String(repeating: "b", count: 64))
        let query = signer.query(name: name, digest: digest, generation: "htpasswd-1")
        let fields = Dictionary(uniqueKeysWithValues: query.split(separator: "&").map {
            let pair = $0.split(separator: "=", maxSplits: 1)
            return (String(pair[0]), String(pair[1]))
        })
        func valid(_ signer: BlobLinkSigner = signer, _ name: ServedName = name, generation: String = "htpasswd-1", now: Date = Date()) -> Bool {
            signer.isValid(name: name, digest: digest, expires: fields["expires"], signature: fields["signature"], generation: generation, now: now)
        }
        XCTAssertTrue(valid())
        XCTAssertFalse(valid(signer, other))
        XCTAssertFalse(valid(now: Date().addingTimeInterval(BlobLinkSigner.lifetime + 10)))
        XCTAssertFalse(valid(generation: "htpasswd-2"), "the htpasswd file changed")
        XCTAssertFalse(valid(BlobLinkSigner()), "another start, another key")
    }

    /// Big blobs are copied only to a client on this machine (bench/README.md).
    func testSameHostRuleForCopiedBodies() {
        let same = FileRegionSender.isSameHost
        XCTAssertTrue(same("127.0.0.1", "127.0.0.1"))
        XCTAssertTrue(same("127.0.0.1", "127.0.0.5"))
        XCTAssertTrue(same("::1", "::1"))
        XCTAssertTrue(same("::ffff:127.0.0.1", "::ffff:127.0.0.1"))
        XCTAssertTrue(same("192.168.1.10", "192.168.1.10"), "the host's own LAN address")
        XCTAssertFalse(same("192.168.1.10", "192.168.1.11"))
        XCTAssertFalse(same("10.77.0.1", "10.77.0.2"))
        XCTAssertFalse(same("fe80::1", "fe80::2"))
        XCTAssertFalse(same(nil, nil))
    }

    /// `serve --models` is the option every other command has: the same
    /// default chain down to ollama's Linux service store.
    func testModelsHelpMatchesTheOtherCommands() throws {
        func help(_ command: String) throws -> String {
            let process = Process()
            process.executableURL = ServeProcess.binary
            process.arguments = [command, "--help"]
            let out = Pipe()
            process.standardOutput = out
            try process.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            // The --models entry: its line and the indented lines after it.
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
            guard let first = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix("--models") }) else { return "" }
            let rest = lines[(first + 1)...].prefix { $0.hasPrefix("      ") && !$0.trimmingCharacters(in: .whitespaces).hasPrefix("-") }
            return ([lines[first]] + rest).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
        }
        let serve = try help("serve")
        XCTAssertTrue(serve.contains(ModelsDirectory.serviceStore), serve)
        XCTAssertEqual(serve, try help("pull"))
    }
}
