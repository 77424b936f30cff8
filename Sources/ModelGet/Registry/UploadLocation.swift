import Foundation

/// The URL of an upload session, taken from a `Location` header. The
/// distribution API hands out a new one after every step; its query holds
/// the session state (`_state`), so it is kept whole and always the newest
/// one is used.
package enum UploadLocation {
    /// Resolves a `Location` value against the URL of the request that
    /// received it (RFC 3986 §5: absolute, absolute-path, relative-path or
    /// query-only references), dropping any fragment.
    package static func resolve(_ location: String, against base: URL) -> URL? {
        let trimmed = location.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, let resolved = URL(string: trimmed, relativeTo: base)?.absoluteURL,
              var components = URLComponents(url: resolved, resolvingAgainstBaseURL: false),
              let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
              components.host?.isEmpty == false else { return nil }
        components.fragment = nil
        // `//@[]` has the host "[]" to URLComponents but none to URL.
        guard let url = components.url, url.host?.isEmpty == false else { return nil }
        return url
    }

    /// The session URL with `digest=<digest>` added to its query: `&` when
    /// it already has one (keeping `_state`), `?` when it has none.
    package static func appendingDigest(_ digest: Digest, to url: URL) -> URL {
        var text = url.absoluteString
        if let hash = text.firstIndex(of: "#") { text = String(text[..<hash]) }
        let parameter = "digest=" + digest.description
        if !text.contains("?") {
            text += "?" + parameter
        } else if text.hasSuffix("?") || text.hasSuffix("&") {
            text += parameter
        } else {
            text += "&" + parameter
        }
        // Only ASCII from a valid URL and a validated digest went in.
        return URL(string: text) ?? url
    }
}
