/// Strips what must never be printed from URLs: the query and fragment
/// (signed CDN links carry `X-Amz-Signature`, `X-Amz-Credential`,
/// `__sign`; upload URLs carry `_state`) and any `user:password@`.
/// Messages, log lines and `--json` events show URLs only through this.
package enum URLRedaction {
    /// `scheme://host/path` of one URL, without userinfo, query or fragment.
    package static func redact(_ url: String) -> String {
        var text = Substring(url)
        if let separator = text.range(of: "://") {
            // The authority runs to the first "/": a password with a raw
            // "?" or "#" in it must not survive as a cut-off query.
            let authorityEnd = text[separator.upperBound...].firstIndex(of: "/") ?? text.endIndex
            if let at = text[separator.upperBound..<authorityEnd].lastIndex(of: "@") {
                text = text[..<separator.upperBound] + text[text.index(after: at)...]
            }
        }
        if let cut = text.firstIndex(where: { $0 == "?" || $0 == "#" }) { text = text[..<cut] }
        return String(text)
    }

    /// `text` with every `scheme://…` in it redacted (a registry's error
    /// message may quote the signed link it refused).
    package static func redactURLs(in text: String) -> String {
        guard text.contains("://") else { return text }
        var result = ""
        var rest = Substring(text)
        while let separator = rest.range(of: "://") {
            // The scheme: letters, digits, + - . back from "://".
            var start = separator.lowerBound
            while start > rest.startIndex {
                let before = rest[rest.index(before: start)]
                guard before.isASCII, before.isLetter || before.isNumber || "+-.".contains(before) else { break }
                start = rest.index(before: start)
            }
            let end = rest[separator.upperBound...].firstIndex(where: endsURL) ?? rest.endIndex
            result += rest[..<start]
            result += start == separator.lowerBound ? String(rest[start..<end]) : redact(String(rest[start..<end]))
            rest = rest[end...]
        }
        return result + rest
    }

    private static func endsURL(_ character: Character) -> Bool {
        character.isWhitespace || character == "\"" || character == "'" || character == "<" || character == ">"
            || character == "`" || character == "\\"
    }
}
