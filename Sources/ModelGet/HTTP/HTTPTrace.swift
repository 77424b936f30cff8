import Foundation

/// The `--debug` lines of one HTTP exchange: the request line with the
/// headers that explain an answer, and the status line with the headers
/// that say what comes next. Secrets never appear: URLs lose their
/// userinfo, query and fragment (signed links, upload state), and an
/// `Authorization` header shows only its scheme.
package enum HTTPTrace {
    /// `> GET https://host/v2/ns/m/blobs/sha256:… Range: bytes=0-1023 Authorization: Bearer (redacted)`.
    package static func requestLine(_ request: HTTPRequest) -> String {
        var line = "> \(request.method.rawValue) \(URLRedaction.redact(request.url.absoluteString))"
        if let range = request.range { line += " Range: bytes=\(range.lower)-\(range.upper.map(String.init) ?? "")" }
        if let authorization = request.headers["Authorization"] {
            let scheme = authorization.split(separator: " ", maxSplits: 1).first.map(String.init) ?? ""
            line += " Authorization: \(scheme.count <= 16 && scheme.allSatisfy(\.isLetter) ? scheme + " " : "")(redacted)"
        }
        if let body = request.body { line += " (\(body.length) bytes)" }
        return DisplayText.line(line)
    }

    /// `< 307 https://host/v2/… Location: https://cdn/…` (each URL redacted).
    package static func responseLine(_ response: HTTPResponse, method: HTTPRequest.Method) -> String {
        var line = "< \(response.status) \(method.rawValue) \(URLRedaction.redact(response.url.absoluteString))"
        for name in ["Content-Length", "Content-Range", "Location", "Docker-Upload-Location", "Range", "Retry-After", "WWW-Authenticate"] {
            if let value = response.headers[name] { line += " \(name): \(URLRedaction.redactURLs(in: value))" }
        }
        return DisplayText.line(line)
    }

    /// `< GET https://host/…: <error>` for an exchange that got no answer.
    package static func failureLine(_ request: HTTPRequest, _ error: Error) -> String {
        DisplayText.line("< \(request.method.rawValue) \(URLRedaction.redact(request.url.absoluteString)): \(error)")
    }
}
