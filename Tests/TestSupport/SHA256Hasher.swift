import COpenSSL
import Foundation

/// Streaming SHA-256 over libcrypto's EVP interface.
final class SHA256Hasher {
    private let context: OpaquePointer

    /// Starts an empty digest.
    init() throws {
        guard let context = EVP_MD_CTX_new() else { throw TestSupportError.crypto("EVP_MD_CTX_new") }
        self.context = context
        guard EVP_DigestInit_ex(context, EVP_sha256(), nil) == 1 else {
            EVP_MD_CTX_free(context)
            throw TestSupportError.crypto("EVP_DigestInit_ex(sha256)")
        }
    }

    deinit {
        EVP_MD_CTX_free(context)
    }

    /// Adds `bytes` to the digest.
    func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, bytes.count > 0 else { return }
        EVP_DigestUpdate(context, base, bytes.count)
    }

    /// Adds `data` to the digest.
    func update(_ data: Data) {
        data.withUnsafeBytes { update($0) }
    }

    /// The 64 lowercase hex characters of the digest; ends the hasher.
    func finalHex() -> String {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &digest, &length)
        return digest.prefix(Int(length)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }

    /// The hex SHA-256 of `data`.
    static func hex(of data: Data) throws -> String {
        let hasher = try SHA256Hasher()
        hasher.update(data)
        return hasher.finalHex()
    }
}
