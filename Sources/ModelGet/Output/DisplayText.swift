/// Text that came from a registry, a blob, a store or a command line,
/// made safe to print: control characters (C0, DEL, C1, and the Unicode
/// line separators and bidirectional overrides that reorder or hide what a
/// terminal shows) are written as `\u{…}` escapes, so a hostile string can
/// neither move the cursor, clear the screen, set a window title, nor start
/// a new line that looks like modelget's own output.
///
/// Every printer of foreign strings calls one of these: `line` for a
/// message or a table cell, `block` for multi-line text such as a template.
package enum DisplayText {
    /// The most characters of one message line; longer text is cut and says
    /// how much was left out.
    package static let lineLimit = 600

    /// One line: every control character escaped (newlines too), cut to
    /// `limit` characters.
    package static func line(_ text: String, limit: Int = lineLimit) -> String {
        bounded(escape(text, keepingLayout: false), limit: limit)
    }

    /// Multi-line text: newlines and tabs kept, every other control
    /// character escaped (a lone `\r` would overwrite the line before it).
    package static func block(_ text: String) -> String {
        escape(text, keepingLayout: true)
    }

    /// True when printing `scalar` as is could change what a terminal shows
    /// beyond the character itself.
    static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00...0x1F, 0x7F...0x9F: return true
        // Line and paragraph separators, bidi embeddings/overrides/isolates.
        case 0x2028, 0x2029, 0x202A...0x202E, 0x2066...0x2069, 0x200E, 0x200F, 0x061C: return true
        default: return false
        }
    }

    private static func escape(_ text: String, keepingLayout: Bool) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var result = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if !isControl(scalar) || (keepingLayout && (scalar == "\n" || scalar == "\t")) {
                result.append(scalar)
                continue
            }
            let escaped: String
            switch scalar {
            case "\n": escaped = "\\n"
            case "\r": escaped = "\\r"
            case "\t": escaped = "\\t"
            default: escaped = "\\u{" + String(scalar.value, radix: 16) + "}"
            }
            result.append(contentsOf: escaped.unicodeScalars)
        }
        return String(result)
    }

    private static func bounded(_ text: String, limit: Int) -> String {
        guard text.count > limit else { return text }
        let kept = text.prefix(max(limit, 0))
        return kept + "… (\(text.count - kept.count) more characters)"
    }
}
