import Foundation

/// A strict pre-scan of a JSON document that Foundation's parsers do not
/// do: a key given twice in one object is refused (Foundation keeps the
/// first, Go and ollama the last, so the two would read different
/// documents), nesting deeper than `maximumDepth` is refused before any
/// recursive parser sees it, and, when asked, the byte offset where each
/// value starts is kept by path (`models[2].name`) so an error about a
/// value can name its line.
struct JSONPositions {
    /// Byte offset of each value, by path; the document itself is `""`.
    /// Empty unless the scan was asked to record offsets.
    private(set) var offsets: [String: Int] = [:]
    private let bytes: [UInt8]
    private let recordsOffsets: Bool
    private let maximumDepth: Int

    /// Nesting no document modelget reads comes near (a sync file or a
    /// manifest is 4 or 5 levels deep).
    static let defaultMaximumDepth = 64

    /// A syntax error at a byte offset.
    struct SyntaxError: Error {
        var offset: Int
        var reason: String
    }

    init(scanning data: Data, recordingOffsets: Bool = true, maximumDepth: Int = defaultMaximumDepth) throws {
        bytes = Array(data)
        recordsOffsets = recordingOffsets
        self.maximumDepth = maximumDepth
        var index = 0
        try value(at: &index, path: "", depth: 0)
        skipSpace(&index)
        guard index == bytes.count else { throw SyntaxError(offset: index, reason: "unexpected text after the JSON value") }
    }

    /// The 1-based line of a byte offset.
    func line(ofOffset offset: Int) -> Int {
        1 + bytes[0..<min(offset, bytes.count)].reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
    }

    /// The line where the value at `path` starts (its key's line for an
    /// object member), or nil when there is no such path.
    func line(of path: String) -> Int? {
        offsets[path].map(line(ofOffset:))
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }

    private func skipSpace(_ i: inout Int) {
        while i < bytes.count, Self.isSpace(bytes[i]) { i += 1 }
    }

    private mutating func value(at i: inout Int, path: @autoclosure () -> String, depth: Int) throws {
        skipSpace(&i)
        let here = recordsOffsets ? path() : ""
        if recordsOffsets, offsets[here] == nil { offsets[here] = i }
        guard i < bytes.count else { throw SyntaxError(offset: i, reason: "unexpected end of file") }
        switch bytes[i] {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            guard depth < maximumDepth else {
                throw SyntaxError(offset: i, reason: "nested deeper than \(maximumDepth) levels")
            }
            if bytes[i] == UInt8(ascii: "{") {
                try object(at: &i, path: here, depth: depth + 1)
            } else {
                try array(at: &i, path: here, depth: depth + 1)
            }
        case UInt8(ascii: "\""): _ = try string(at: &i)
        default: try literal(at: &i)
        }
    }

    private mutating func object(at i: inout Int, path: String, depth: Int) throws {
        i += 1
        var seen = Set<String>()
        skipSpace(&i)
        if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return }
        while true {
            skipSpace(&i)
            let keyStart = i
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw SyntaxError(offset: i, reason: "expected a quoted key") }
            let key = try string(at: &i)
            guard seen.insert(key).inserted else {
                throw SyntaxError(offset: keyStart, reason: "key \"\(key.prefix(80))\" appears twice")
            }
            let member = recordsOffsets ? (path.isEmpty ? key : path + "." + key) : ""
            if recordsOffsets { offsets[member] = keyStart }
            skipSpace(&i)
            guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else {
                throw SyntaxError(offset: i, reason: "expected ':' after key \"\(key.prefix(80))\"")
            }
            i += 1
            try value(at: &i, path: member, depth: depth)
            skipSpace(&i)
            guard i < bytes.count else { throw SyntaxError(offset: i, reason: "unexpected end of file in an object") }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "}") { i += 1; return }
            throw SyntaxError(offset: i, reason: "expected ',' or '}'")
        }
    }

    private mutating func array(at i: inout Int, path: String, depth: Int) throws {
        i += 1
        skipSpace(&i)
        if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return }
        var index = 0
        while true {
            try value(at: &i, path: "\(path)[\(index)]", depth: depth)
            index += 1
            skipSpace(&i)
            guard i < bytes.count else { throw SyntaxError(offset: i, reason: "unexpected end of file in a list") }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "]") { i += 1; return }
            throw SyntaxError(offset: i, reason: "expected ',' or ']'")
        }
    }

    /// Reads a string starting at its opening quote; returns its decoded
    /// text (so `"lay\u0065rs"` is the key `layers`).
    private func string(at i: inout Int) throws -> String {
        let start = i
        i += 1
        var escaped = false
        while i < bytes.count {
            switch bytes[i] {
            case UInt8(ascii: "\\"):
                escaped = true
                i += 2
            case UInt8(ascii: "\""):
                i += 1
                let raw = bytes[(start + 1)..<(i - 1)]
                return escaped ? try unescape(raw, at: start + 1) : String(decoding: raw, as: UTF8.self)
            case 0x00..<0x20: throw SyntaxError(offset: i, reason: "control character in a string")
            default: i += 1
            }
        }
        throw SyntaxError(offset: start, reason: "unterminated string")
    }

    /// Decodes the escapes of a string's contents.
    private func unescape(_ raw: ArraySlice<UInt8>, at offset: Int) throws -> String {
        var scalars = String.UnicodeScalarView()
        var plain: [UInt8] = []
        func flush() {
            scalars.append(contentsOf: String(decoding: plain, as: UTF8.self).unicodeScalars)
            plain.removeAll(keepingCapacity: true)
        }
        var i = raw.startIndex
        func hex4() throws -> UInt32 {
            guard raw.endIndex - i >= 4 else { throw SyntaxError(offset: offset, reason: "bad \\u escape in a string") }
            var value: UInt32 = 0
            for byte in raw[i..<(i + 4)] {
                guard let digit = UInt32(String(UnicodeScalar(byte)), radix: 16) else {
                    throw SyntaxError(offset: offset, reason: "bad \\u escape in a string")
                }
                value = value * 16 + digit
            }
            i += 4
            return value
        }
        while i < raw.endIndex {
            guard raw[i] == UInt8(ascii: "\\") else { plain.append(raw[i]); i += 1; continue }
            flush()
            guard i + 1 < raw.endIndex else { throw SyntaxError(offset: offset, reason: "bad escape in a string") }
            let kind = raw[i + 1]
            i += 2
            switch kind {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scalars.append(Unicode.Scalar(kind))
            case UInt8(ascii: "b"): scalars.append("\u{08}")
            case UInt8(ascii: "f"): scalars.append("\u{0C}")
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "t"): scalars.append("\t")
            case UInt8(ascii: "u"):
                var value = try hex4()
                if (0xD800..<0xDC00).contains(value), i + 1 < raw.endIndex,
                   raw[i] == UInt8(ascii: "\\"), raw[i + 1] == UInt8(ascii: "u") {
                    let mark = i
                    i += 2
                    let low = try hex4()
                    if (0xDC00..<0xE000).contains(low) {
                        value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
                    } else {
                        i = mark
                    }
                }
                // A lone surrogate stands for itself as U+FFFD, as Foundation reads it.
                scalars.append(Unicode.Scalar(value) ?? "\u{FFFD}")
            default:
                throw SyntaxError(offset: offset, reason: "bad escape in a string")
            }
        }
        flush()
        return String(scalars)
    }

    private func literal(at i: inout Int) throws {
        let start = i
        while i < bytes.count, !Self.isSpace(bytes[i]),
              bytes[i] != UInt8(ascii: ","), bytes[i] != UInt8(ascii: "]"), bytes[i] != UInt8(ascii: "}") {
            i += 1
        }
        let word = String(decoding: bytes[start..<i], as: UTF8.self)
        guard word == "true" || word == "false" || word == "null" || Self.isNumber(word) else {
            throw SyntaxError(offset: start, reason: word.isEmpty ? "expected a value" : "unexpected \"\(word.prefix(20))\"")
        }
    }

    /// JSON's number grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    private static func isNumber(_ word: String) -> Bool {
        var chars = Substring(word)
        func digits() -> Int {
            let count = chars.prefix { $0.isASCII && $0.isNumber }.count
            chars = chars.dropFirst(count)
            return count
        }
        if chars.first == "-" { chars = chars.dropFirst() }
        if chars.first == "0" { chars = chars.dropFirst() } else if digits() == 0 { return false }
        if chars.first == "." {
            chars = chars.dropFirst()
            if digits() == 0 { return false }
        }
        if chars.first == "e" || chars.first == "E" {
            chars = chars.dropFirst()
            if chars.first == "+" || chars.first == "-" { chars = chars.dropFirst() }
            if digits() == 0 { return false }
        }
        return chars.isEmpty
    }
}
