import Foundation

/// The error body the distribution API sends:
/// `{"errors":[{"code":"…","message":"…","detail":…}]}`.
struct RegistryErrorBody: Decodable {
    struct Entry: Decodable {
        var code: String?
        var message: String?
    }
    var errors: [Entry]?

    /// Turns a failed response into a one-line `ModelGetError.http`.
    static func error(for response: HTTPResponse, url: URL) -> ModelGetError {
        let entry = (try? JSONDecoder().decode(RegistryErrorBody.self, from: response.body))?.errors?.first
        var message = entry?.message
        if entry == nil, !response.body.isEmpty, response.body.count < 300,
           let text = String(data: response.body, encoding: .utf8) {
            message = text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return .http(status: response.status, url: url.redacted, code: entry?.code, message: message)
    }
}

extension URL {
    /// The URL without userinfo, query or fragment: upload state and
    /// signed CDN parameters stay out of messages (`URLRedaction`).
    var redacted: String { URLRedaction.redact(absoluteString) }

    /// `host[:port]`, as credentials and auth are keyed.
    var hostAndPort: String {
        var h = host ?? ""
        if h.contains(":") { h = "[" + h + "]" }
        if let port { h += ":\(port)" }
        return h
    }
}
