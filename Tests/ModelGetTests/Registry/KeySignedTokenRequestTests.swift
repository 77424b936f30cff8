import Foundation
import XCTest
@testable import ModelGet

/// The token request ollama signs (server/auth.go, auth/auth.go), checked
/// string for string, and its signature checked by Python's `cryptography`
/// rather than by modelget's own code.
final class KeySignedTokenRequestTests: XCTestCase {
    func testTokenURLSortsKeysAndEscapesLikeGo() {
        let url = KeySignedTokenRequest.tokenURL(
            realm: "https://ollama.com/token?z=1&account=a+b", service: "ollama.com",
            scopes: ["repository:library/llama3:pull", "repository:me/x:pull,push"], timestamp: 1_700_000_000, nonce: "n-_A9")
        XCTAssertEqual(url, "https://ollama.com/token?account=a+b&nonce=n-_A9"
            + "&scope=repository%3Alibrary%2Fllama3%3Apull&scope=repository%3Ame%2Fx%3Apull%2Cpush"
            + "&service=ollama.com&ts=1700000000&z=1")
    }

    func testTokenURLWithoutServiceSendsAnEmptyOneAsOllamaDoes() {
        let url = KeySignedTokenRequest.tokenURL(realm: "https://hf.co/v2/token", service: nil, scopes: ["repository:u/r:pull"],
                                                 timestamp: 5, nonce: "x")
        XCTAssertEqual(url, "https://hf.co/v2/token?nonce=x&scope=repository%3Au%2Fr%3Apull&service=&ts=5")
    }

    func testSignedStringIsMethodURLAndBase64OfTheEmptyBodysHexSHA256() {
        let sha256OfNothing = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        XCTAssertEqual(KeySignedTokenRequest.signedString(tokenURL: "https://ollama.com/token?ts=1"),
                       "GET,https://ollama.com/token?ts=1," + Data(sha256OfNothing.utf8).base64EncodedString())
        XCTAssertEqual(Data(sha256OfNothing.utf8).base64EncodedString(),
                       "ZTNiMGM0NDI5OGZjMWMxNDlhZmJmNGM4OTk2ZmI5MjQyN2FlNDFlNDY0OWI5MzRjYTQ5NTk5MWI3ODUyYjg1NQ==")
    }

    func testRequestCarriesNonceTimestampAndASignatureThatVerifiesIndependently() throws {
        let directory = try SSHKeygen.scratch()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = try SSHKeygen.make(in: directory)
        let key = try OllamaKey(path: path)
        let now = Date()
        let first = try KeySignedTokenRequest.make(realm: "https://ollama.com/token", service: "ollama.com",
                                                   scopes: ["repository:library/x:pull"], key: key, now: now)
        let second = try KeySignedTokenRequest.make(realm: "https://ollama.com/token", service: "ollama.com",
                                                    scopes: ["repository:library/x:pull"], key: key, now: now)
        let items = URLComponents(string: first.url)!.queryItems!
        XCTAssertEqual(items.map(\.name), ["nonce", "scope", "service", "ts"])
        XCTAssertEqual(items.first { $0.name == "ts" }?.value, String(Int64(now.timeIntervalSince1970)))
        let nonce = try XCTUnwrap(items.first { $0.name == "nonce" }?.value)
        XCTAssertEqual(nonce.count, 22, "16 bytes, base64url without padding")
        XCTAssertNil(nonce.first { !($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") })
        XCTAssertNotEqual(first.url, second.url, "a fresh nonce each time")

        let parts = first.authorization.split(separator: ":")
        XCTAssertEqual(parts.count, 2)
        let pub = try String(contentsOfFile: path + ".pub", encoding: .utf8).split(separator: " ")[1]
        XCTAssertEqual(String(parts[0]), String(pub))
        let verify = """
            import base64, sys
            from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
            wire = base64.b64decode(sys.argv[1]); signature = base64.b64decode(sys.argv[2])
            Ed25519PublicKey.from_public_bytes(wire[-32:]).verify(signature, sys.stdin.buffer.read())
            print("ok")
            """
        let signed = Data(KeySignedTokenRequest.signedString(tokenURL: first.url).utf8)
        let out = try SSHKeygen.run("/usr/bin/python3", ["-c", verify, String(parts[0]), String(parts[1])], input: signed)
        XCTAssertEqual(String(decoding: out, as: UTF8.self), "ok\n")
        XCTAssertThrowsError(try SSHKeygen.run("/usr/bin/python3", ["-c", verify, String(parts[0]), String(parts[1])],
                                               input: signed + Data("x".utf8)), "a changed string does not verify")
    }
}
