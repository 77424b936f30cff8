import Foundation

/// A token request signed with an `OllamaKey`, byte for byte as ollama
/// makes it (`server/auth.go`, `auth/auth.go` in ollama/ollama):
///
/// - URL: the realm with its own query plus `service`, one `scope` per
///   scope, `ts` (Unix seconds) and `nonce` (16 random bytes, base64url
///   without padding), encoded like Go's `url.Values.Encode`: keys sorted,
///   values in order, `QueryEscape`d.
/// - Signed string: `GET,<URL>,<base64 of the hex SHA-256 of the empty body>`.
/// - `Authorization: <base64 SSH package key>:<base64 64-byte signature>`,
///   with no scheme word.
struct KeySignedTokenRequest: Equatable {
    /// The token URL, which the signature covers.
    var url: String
    /// The `Authorization` header value.
    var authorization: String

    /// Signs a request for `scopes` at `realm` now, with a fresh nonce.
    static func make(realm: String, service: String?, scopes: [String], key: OllamaKey, now: Date = Date()) throws -> KeySignedTokenRequest {
        var generator = SystemRandomNumberGenerator()
        let nonce = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let url = tokenURL(realm: realm, service: service, scopes: scopes, timestamp: Int64(now.timeIntervalSince1970),
                           nonce: base64URL(nonce))
        let signature = try key.sign(Array(signedString(tokenURL: url).utf8))
        return KeySignedTokenRequest(url: url, authorization: key.publicKeyBase64 + ":" + Data(signature).base64EncodedString())
    }

    /// The realm (without query or fragment) followed by the sorted, encoded query.
    static func tokenURL(realm: String, service: String?, scopes: [String], timestamp: Int64, nonce: String) -> String {
        let cut = realm.firstIndex { $0 == "?" || $0 == "#" } ?? realm.endIndex
        var values: [(String, String)] = []
        if cut < realm.endIndex, realm[cut] == "?" {
            let query = realm[realm.index(after: cut)...].prefix { $0 != "#" }
            for pair in query.split(separator: "&") {
                let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
                values.append((unescape(parts[0]), parts.count > 1 ? unescape(parts[1]) : ""))
            }
        }
        values.append(("service", service ?? ""))
        for scope in scopes { values.append(("scope", scope)) }
        values.append(("ts", String(timestamp)))
        values.append(("nonce", nonce))
        // A stable sort keeps the values of one key in the order they were added.
        let sorted = values.enumerated().sorted { a, b in
            a.element.0 != b.element.0 ? Array(a.element.0.utf8).lexicographicallyPrecedes(Array(b.element.0.utf8)) : a.offset < b.offset
        }
        return String(realm[..<cut]) + "?" + sorted.map { queryEscape($0.element.0) + "=" + queryEscape($0.element.1) }.joined(separator: "&")
    }

    /// What the key signs for a GET of `tokenURL`.
    static func signedString(tokenURL: String) -> String {
        "GET," + tokenURL + "," + Data(SHA256Hasher.hex(of: Data()).utf8).base64EncodedString()
    }

    /// Go's `url.QueryEscape`: letters, digits and `-_.~` stay, a space
    /// becomes `+`, every other byte `%XX` (upper-case hex).
    static func queryEscape(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case UInt8(ascii: " "):
                out += "+"
            default:
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    /// Go's `url.QueryUnescape` for a realm's own query (`+` is a space).
    private static func unescape(_ part: Substring) -> String {
        let spaced = part.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    private static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
