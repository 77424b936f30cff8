import Foundation
import ModelGet

/// Signs blob URLs the way a CDN presigns them: `?expires=<unix>&signature=
/// <hex HMAC-SHA256>` over name, digest, expiry and the credentials'
/// generation (the htpasswd file's fingerprint: a link stops working when
/// the file changes, as a removed user's access must), with a key made
/// fresh at every start. A signed URL is served without credentials, which is
/// what ollama needs: it fetches blob parts from the redirect target with
/// no `Authorization` header (`downloadChunk` in `server/download.go`).
struct BlobLinkSigner: Sendable {
    private let key: [UInt8]
    /// How long a link stays good (R2's presigned links: 86400 s).
    static let lifetime: TimeInterval = 86_400

    init() {
        var generator = SystemRandomNumberGenerator()
        key = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    /// The query string of a link for `digest` of `name`, good until
    /// `now + lifetime` while the credentials stay at `generation`.
    func query(name: ServedName, digest: Digest, generation: String, now: Date = Date()) -> String {
        let expires = Int64(now.timeIntervalSince1970 + Self.lifetime)
        return "expires=\(expires)&signature=\(signature(name: name, digest: digest, expires: expires, generation: generation))"
    }

    /// True when `expires` is in the future and `signature` is this key's
    /// for the credentials' current `generation`.
    func isValid(name: ServedName, digest: Digest, expires: String?, signature: String?, generation: String, now: Date = Date()) -> Bool {
        guard let expires, let seconds = Int64(expires), let signature,
              Double(seconds) > now.timeIntervalSince1970 else { return false }
        let wanted = Array(self.signature(name: name, digest: digest, expires: seconds, generation: generation).utf8)
        let given = Array(signature.utf8)
        guard wanted.count == given.count else { return false }
        return zip(wanted, given).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    private func signature(name: ServedName, digest: Digest, expires: Int64, generation: String) -> String {
        hmac(Array("\(name.host)/\(name.namespace)/\(name.model)\n\(digest)\n\(expires)\n\(generation)".lowercased().utf8))
    }

    /// HMAC-SHA256 (RFC 2104) with `key`, as lowercase hex.
    private func hmac(_ message: [UInt8]) -> String {
        let inner = key + [UInt8](repeating: 0, count: 64 - key.count)
        let innerHex = SHA256Hasher.hex(of: inner.map { $0 ^ 0x36 } + message)
        let innerDigest = stride(from: 0, to: innerHex.count, by: 2).map { i -> UInt8 in
            let start = innerHex.index(innerHex.startIndex, offsetBy: i)
            return UInt8(innerHex[start..<innerHex.index(start, offsetBy: 2)], radix: 16)!
        }
        return SHA256Hasher.hex(of: inner.map { $0 ^ 0x5c } + innerDigest)
    }
}
