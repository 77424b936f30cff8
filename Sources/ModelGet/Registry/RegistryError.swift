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
        if entry == nil, !response.body.isEmpty, let text = String(data: response.body.prefix(4096), encoding: .utf8) {
            message = text
        }
        return .http(status: response.status, url: url.redacted, code: entry?.code, message: message.map(oneLine))
    }

    /// A registry's message as one line: whitespace runs (registry.ollama.ai
    /// sends its 412 text over several lines) become one space, and the
    /// line is cut at 300 characters. Other control characters stay for
    /// `DisplayText` to show as escapes, so what a hostile registry sent
    /// is visible rather than silently changed.
    static func oneLine(_ text: String) -> String {
        let words = text.unicodeScalars.split { $0.properties.isWhitespace }
        let line = words.map { String(String.UnicodeScalarView($0)) }.joined(separator: " ")
        return line.count > 300 ? String(line.prefix(300)) + "…" : line
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
