import COpenSSL
import Foundation

/// Makes RS256 JSON Web Tokens the way distribution's token auth expects:
/// the signing certificate travels in the header's `x5c`, and the registry
/// checks it against its `rootcertbundle`.
final class JWTSigner: @unchecked Sendable {
    // EVP_PKEY is only read after loading, which libcrypto allows from any
    // number of threads; each signature uses its own EVP_MD_CTX.
    private let key: OpaquePointer
    private let certificateDER: Data

    /// Loads a PEM private key and the PEM certificate for its public key.
    init(privateKeyPEM: Data, certificatePEM: String) throws {
        _ = mg_openssl_init()
        let loaded = privateKeyPEM.withUnsafeBytes { bytes -> OpaquePointer? in
            guard let bio = BIO_new_mem_buf(bytes.baseAddress, Int32(bytes.count)) else { return nil }
            defer { BIO_free(bio) }
            return PEM_read_bio_PrivateKey(bio, nil, nil, nil)
        }
        guard let loaded else { throw TestSupportError.crypto("PEM_read_bio_PrivateKey") }
        // A PEM certificate is the base64 of its DER between the armour lines.
        let body = certificatePEM.split(separator: "\n").filter { !$0.hasPrefix("-----") }.joined()
        guard let der = Data(base64Encoded: body) else {
            EVP_PKEY_free(loaded)
            throw TestSupportError.crypto("certificate PEM is not base64")
        }
        key = loaded
        certificateDER = der
    }

    deinit {
        EVP_PKEY_free(key)
    }

    /// `header.claims.signature`, each part base64url without padding.
    func token<Claims: Encodable>(claims: Claims) throws -> String {
        let header = Header(typ: "JWT", alg: "RS256", x5c: [certificateDER.base64EncodedString()])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let signingInput = try encoder.encode(header).base64URLEncoded + "." + encoder.encode(claims).base64URLEncoded
        return signingInput + "." + (try sign(Data(signingInput.utf8))).base64URLEncoded
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256 over `message`.
    private func sign(_ message: Data) throws -> Data {
        guard let context = EVP_MD_CTX_new() else { throw TestSupportError.crypto("EVP_MD_CTX_new") }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestSignInit(context, nil, EVP_sha256(), nil, key) == 1 else {
            throw TestSupportError.crypto("EVP_DigestSignInit")
        }
        let updated = message.withUnsafeBytes { EVP_DigestUpdate(context, $0.baseAddress, $0.count) }
        guard updated == 1 else { throw TestSupportError.crypto("EVP_DigestSignUpdate") }
        var length = 0
        guard EVP_DigestSignFinal(context, nil, &length) == 1 else { throw TestSupportError.crypto("EVP_DigestSignFinal") }
        var signature = [UInt8](repeating: 0, count: length)
        guard EVP_DigestSignFinal(context, &signature, &length) == 1 else {
            throw TestSupportError.crypto("EVP_DigestSignFinal")
        }
        return Data(signature.prefix(length))
    }

    private struct Header: Encodable {
        let typ: String
        let alg: String
        let x5c: [String]
    }
}
