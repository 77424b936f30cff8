import COpenSSL
import Foundation

/// Incremental SHA-256 over OpenSSL's libcrypto.
package final class SHA256Hasher {
    private let context: OpaquePointer

    package init() {
        OpenSSLInit.once
        context = EVP_MD_CTX_new()
        EVP_DigestInit_ex(context, EVP_sha256(), nil)
    }

    deinit {
        EVP_MD_CTX_free(context)
    }

    /// Adds bytes to the hash.
    package func update(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        EVP_DigestUpdate(context, base, bytes.count)
    }

    /// Finishes and returns the 64 lowercase hex characters.
    package func finalizeHex() -> String {
        var out = [UInt8](repeating: 0, count: 32)
        var length: UInt32 = 0
        EVP_DigestFinal_ex(context, &out, &length)
        let table = Array("0123456789abcdef".utf8)
        var hex = [UInt8]()
        hex.reserveCapacity(64)
        for byte in out {
            hex.append(table[Int(byte >> 4)])
            hex.append(table[Int(byte & 15)])
        }
        return String(decoding: hex, as: UTF8.self)
    }

    /// The SHA-256 of a byte sequence, as lowercase hex.
    package static func hex<D: ContiguousBytes>(of data: D) -> String {
        let hasher = SHA256Hasher()
        data.withUnsafeBytes { hasher.update($0) }
        return hasher.finalizeHex()
    }
}

// A hasher is used by one thread at a time: its owner (a sink on the
// engine thread, or `PrefixHasher`, which hands it over under its lock)
// guarantees that; it moves between threads only as a reference.
extension SHA256Hasher: @unchecked Sendable {}
