import Foundation
import XCTest
@testable import ModelGet

/// The OpenSSH private key parser against keys the real ssh-keygen made.
final class OpenSSHPrivateKeyTests: XCTestCase {
    private var directory: URL!

    override func setUpWithError() throws { directory = try SSHKeygen.scratch() }
    override func tearDown() { try? FileManager.default.removeItem(at: directory) }

    func testReadsAnEd25519KeyAndItsPublicHalfMatchesThePubFile() throws {
        let path = try SSHKeygen.make(in: directory)
        let parsed = try OpenSSHPrivateKey.parse(String(contentsOfFile: path, encoding: .utf8))
        XCTAssertEqual(parsed.seed.count, 32)
        XCTAssertEqual(parsed.comment, "tester@modelget")
        let pub = try String(contentsOfFile: path + ".pub", encoding: .utf8).split(separator: " ")
        XCTAssertEqual(pub[0], "ssh-ed25519")
        XCTAssertEqual(Data(OpenSSHPrivateKey.wirePublicKey(parsed.publicKey)).base64EncodedString(), String(pub[1]))
        let key = try OllamaKey(path: path)
        XCTAssertEqual(key.publicKeyBase64, String(pub[1]))
    }

    func testRefusesAnEncryptedKeyNamingTheFix() throws {
        let path = try SSHKeygen.make(passphrase: "pass phrase", in: directory)
        XCTAssertThrowsError(try OllamaKey(path: path)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("key \(path): encrypted with a passphrase"), text)
            XCTAssertTrue(text.contains("ssh-keygen -p"), text)
            XCTAssertFalse(text.contains("\n"))
        }
    }

    func testRefusesKeysOfOtherTypes() throws {
        for type in ["rsa", "ecdsa"] {
            let path = try SSHKeygen.make(type: type, name: "id_\(type)", in: directory)
            XCTAssertThrowsError(try OllamaKey(path: path)) { error in
                XCTAssertEqual("\(error)", "key \(path): a \(type == "rsa" ? "ssh-rsa" : "ecdsa-sha2-nistp256") key; ollama signs with ed25519 (make one with ssh-keygen -t ed25519 -N '')")
            }
        }
    }

    func testRefusesAMissingFileAndOtherFormats() throws {
        let missing = directory.appendingPathComponent("nope").path
        XCTAssertThrowsError(try OllamaKey(path: missing)) { error in
            XCTAssertTrue("\(error)".hasPrefix("key \(missing): no such file"), "\(error)")
        }
        let pem = directory.appendingPathComponent("pem").path
        try SSHKeygen.run("/usr/bin/openssl", ["genpkey", "-algorithm", "ed25519", "-out", pem])
        XCTAssertThrowsError(try OllamaKey(path: pem)) { error in
            XCTAssertTrue("\(error)".contains("not an OpenSSH private key"), "\(error)")
        }
    }

    func testRefusesDamagedKeys() throws {
        let path = try SSHKeygen.make(in: directory)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let lines = text.split(separator: "\n").map(String.init)
        var bytes = [UInt8](Data(base64Encoded: lines[1..<(lines.count - 1)].joined())!)
        // Cut short: every length is checked before it is used.
        for cut in stride(from: 20, to: bytes.count, by: 7) {
            XCTAssertThrowsError(try OpenSSHPrivateKey.parse(binary: Array(bytes[..<cut])))
        }
        // One flipped byte of the stored public key inside the private section.
        bytes[bytes.count - 40] ^= 0x01
        XCTAssertThrowsError(try OpenSSHPrivateKey.parse(binary: bytes))
    }
}
