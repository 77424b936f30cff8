import Foundation

/// The Ed25519 key inside an OpenSSH private key file (`openssh-key-v1`,
/// PROTOCOL.key in OpenSSH), as `ssh-keygen -t ed25519 -N ''` writes it:
///
///     "openssh-key-v1\0" string cipher, string kdf, string kdfoptions,
///     uint32 count, string publickey, string private-section
///     private-section: uint32 check, uint32 check, string "ssh-ed25519",
///     string public(32), string seed(32)||public(32), string comment, padding
///
/// Only unencrypted Ed25519 keys are read: ollama's keys have no
/// passphrase, and modelget asks for none.
struct OpenSSHPrivateKey: Equatable {
    /// The 32-byte private seed.
    var seed: [UInt8]
    /// The 32-byte package key.
    var publicKey: [UInt8]
    /// The comment `ssh-keygen` stored (often `user@host`).
    var comment: String

    /// Why a file is not a usable key; the text completes "key FILE: …".
    enum Failure: Error, Equatable {
        case notOpenSSH
        case encrypted(cipher: String)
        case notEd25519(type: String)
        case malformed(String)

        var reason: String {
            switch self {
            case .notOpenSSH:
                return "not an OpenSSH private key (want the file ssh-keygen -t ed25519 writes, BEGIN OPENSSH PRIVATE KEY)"
            case let .encrypted(cipher):
                return "encrypted with a passphrase (\(cipher)); ollama's keys have none: remove it with ssh-keygen -p -N '' -f FILE"
            case let .notEd25519(type):
                return "a \(type) key; ollama signs with ed25519 (make one with ssh-keygen -t ed25519 -N '')"
            case let .malformed(what):
                return "damaged OpenSSH private key (\(what))"
            }
        }
    }

    private static let begin = "-----BEGIN OPENSSH PRIVATE KEY-----"
    private static let end = "-----END OPENSSH PRIVATE KEY-----"
    private static let magic = Array("openssh-key-v1\0".utf8)

    /// Parses the PEM-armoured text of a private key file.
    static func parse(_ text: String) throws(Failure) -> OpenSSHPrivateKey {
        guard let start = text.range(of: begin), let stop = text.range(of: end, range: start.upperBound..<text.endIndex) else {
            throw .notOpenSSH
        }
        let body = text[start.upperBound..<stop.lowerBound].filter { !$0.isWhitespace }
        guard let data = Data(base64Encoded: String(body)) else { throw .malformed("not base64") }
        return try parse(binary: [UInt8](data))
    }

    /// Parses the decoded `openssh-key-v1` structure.
    static func parse(binary bytes: [UInt8]) throws(Failure) -> OpenSSHPrivateKey {
        guard bytes.starts(with: magic) else { throw .notOpenSSH }
        var reader = SSHWireReader(bytes, from: magic.count)
        let cipher = try reader.text("cipher name")
        let kdf = try reader.text("kdf name")
        _ = try reader.string("kdf options")
        guard cipher == "none", kdf == "none" else { throw .encrypted(cipher: cipher == "none" ? kdf : cipher) }
        guard try reader.uint32("key count") == 1 else { throw .malformed("more than one key") }
        var publicBlob = SSHWireReader(try reader.string("package key"), from: 0)
        let publicType = try publicBlob.text("package key type")
        guard publicType == "ssh-ed25519" else { throw .notEd25519(type: publicType) }
        let publicKey = try publicBlob.string("package key")

        var secret = SSHWireReader(try reader.string("private section"), from: 0)
        guard try secret.uint32("check") == secret.uint32("check") else { throw .malformed("check words differ") }
        let type = try secret.text("private key type")
        guard type == "ssh-ed25519" else { throw .notEd25519(type: type) }
        let innerPublic = try secret.string("package key")
        let pair = try secret.string("private key")
        let comment = try secret.text("comment")
        guard publicKey.count == 32, innerPublic == publicKey, pair.count == 64, Array(pair[32...]) == publicKey else {
            throw .malformed("the package and private halves do not match")
        }
        return OpenSSHPrivateKey(seed: Array(pair[..<32]), publicKey: publicKey, comment: comment)
    }

    /// The package key in SSH wire format (`string "ssh-ed25519", string key`),
    /// whose base64 is the middle field of the `.pub` file.
    static func wirePublicKey(_ publicKey: [UInt8]) -> [UInt8] {
        func string(_ bytes: [UInt8]) -> [UInt8] {
            let n = UInt32(bytes.count)
            return [UInt8(n >> 24), UInt8(n >> 16 & 0xff), UInt8(n >> 8 & 0xff), UInt8(n & 0xff)] + bytes
        }
        return string(Array("ssh-ed25519".utf8)) + string(publicKey)
    }
}

/// Reads SSH wire-format fields (RFC 4251 §5): big-endian `uint32`s and
/// length-prefixed strings, never past the end.
private struct SSHWireReader {
    let bytes: [UInt8]
    var position: Int

    init(_ bytes: [UInt8], from position: Int) {
        self.bytes = bytes
        self.position = position
    }

    mutating func uint32(_ what: String) throws(OpenSSHPrivateKey.Failure) -> UInt32 {
        guard bytes.count - position >= 4 else { throw .malformed("\(what) cut short") }
        defer { position += 4 }
        return bytes[position..<position + 4].reduce(0) { $0 << 8 | UInt32($1) }
    }

    mutating func string(_ what: String) throws(OpenSSHPrivateKey.Failure) -> [UInt8] {
        let length = Int(try uint32(what))
        guard bytes.count - position >= length else { throw .malformed("\(what) cut short") }
        defer { position += length }
        return Array(bytes[position..<position + length])
    }

    mutating func text(_ what: String) throws(OpenSSHPrivateKey.Failure) -> String {
        String(decoding: try string(what), as: UTF8.self)
    }
}
