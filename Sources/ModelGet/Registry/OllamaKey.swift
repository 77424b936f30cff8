import COpenSSL
import Foundation

/// The Ed25519 key ollama signs token requests with (`~/.ollama/id_ed25519`,
/// its `.pub` registered at ollama.com or on Hugging Face), loaded from an
/// OpenSSH private key file. Signing goes through OpenSSL's Ed25519.
package struct OllamaKey: Sendable {
    /// The file the key came from.
    package let path: String
    private let seed: [UInt8]
    /// The package key in SSH wire format, base64: the middle field of the
    /// `.pub` file, and the part before `:` in the `Authorization` header.
    package let publicKeyBase64: String

    /// ollama's own key: `~/.ollama/id_ed25519` under `HOME`.
    package static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        (environment["HOME"] ?? NSHomeDirectory()) + "/.ollama/id_ed25519"
    }

    /// The largest key file read: an OpenSSH ed25519 private key is under 1 KiB.
    package static let maximumFileSize = 64 << 10

    /// Reads and checks the key at `path`; a missing, encrypted, damaged,
    /// oversized or non-Ed25519 file is an `unusableKey` error naming it.
    package init(path: String) throws {
        let data = try Self.read(path)
        do {
            try self.init(parsed: OpenSSHPrivateKey.parse(String(decoding: data, as: UTF8.self)), path: path)
        } catch let failure as OpenSSHPrivateKey.Failure {
            throw ModelGetError.unusableKey(path: path, reason: failure.reason)
        }
    }

    /// The file's bytes, at most `maximumFileSize` of them (a FIFO or
    /// `/dev/zero` given by mistake is refused, not read to its end).
    private static func read(_ path: String) throws -> Data {
        let fd = try FileIO.openForReading(path, flags: O_NONBLOCK) { code in
            let reason = code == ENOENT ? "no such file (make one with ssh-keygen -t ed25519 -N '' -f \(path))"
                : "cannot be read (check its permissions)"
            return ModelGetError.unusableKey(path: path, reason: reason)
        }
        defer { close(fd) }
        var data = Data()
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: 16 << 10, alignment: 1)
        defer { chunk.deallocate() }
        while true {
            let count = Foundation.read(fd, chunk.baseAddress, chunk.count)
            if count < 0 && errno == EINTR { continue }
            guard count >= 0 else { throw ModelGetError.unusableKey(path: path, reason: "cannot be read (\(String(cString: strerror(errno))))") }
            if count == 0 { return data }
            data.append(contentsOf: chunk[0..<count])
            guard data.count <= maximumFileSize else {
                throw ModelGetError.unusableKey(path: path, reason: "larger than \(maximumFileSize / 1024) KiB, so not an OpenSSH ed25519 key (those are under 1 KiB)")
            }
        }
    }

    init(parsed key: OpenSSHPrivateKey, path: String) throws {
        OpenSSLInit.once
        var derived = [UInt8](repeating: 0, count: 32)
        guard mg_ed25519_public_key(key.seed, &derived) == 1, derived == key.publicKey else {
            throw ModelGetError.unusableKey(path: path, reason: OpenSSHPrivateKey.Failure.malformed("its package key does not belong to its private key").reason)
        }
        self.path = path
        seed = key.seed
        publicKeyBase64 = Data(OpenSSHPrivateKey.wirePublicKey(key.publicKey)).base64EncodedString()
    }

    /// The raw 64-byte Ed25519 signature of `message`.
    func sign(_ message: [UInt8]) throws -> [UInt8] {
        var signature = [UInt8](repeating: 0, count: 64)
        guard mg_ed25519_sign(seed, message, message.count, &signature) == 1 else {
            throw ModelGetError.unusableKey(path: path, reason: "OpenSSL could not sign with it")
        }
        return signature
    }
}
