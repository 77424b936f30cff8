import Foundation

/// Where each value of a JSON document starts, by path (`models[2].name`),
/// so an error about a value can name its line. It is a small scanner of
/// its own: a syntax error is reported at the line where it is found, and
/// a key given twice in one object is refused.
struct JSONPositions {
    /// Byte offset of each value, by path; the document itself is `""`.
    private(set) var offsets: [String: Int] = [:]
    private let bytes: [UInt8]

    /// A syntax error at a byte offset.
    struct SyntaxError: Error {
        var offset: Int
        var reason: String
    }

    init(scanning data: Data) throws {
        bytes = Array(data)
        var index = 0
        try value(at: &index, path: "")
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

    private func skipSpace(_ i: inout Int) {
        while i < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[i]) { i += 1 }
    }

    private mutating func value(at i: inout Int, path: String) throws {
        skipSpace(&i)
        if offsets[path] == nil { offsets[path] = i }
        guard i < bytes.count else { throw SyntaxError(offset: i, reason: "unexpected end of file") }
        switch bytes[i] {
        case UInt8(ascii: "{"): try object(at: &i, path: path)
        case UInt8(ascii: "["): try array(at: &i, path: path)
        case UInt8(ascii: "\""): _ = try string(at: &i)
        default: try literal(at: &i)
        }
    }

    private mutating func object(at i: inout Int, path: String) throws {
        i += 1
        var seen = Set<String>()
        skipSpace(&i)
        if i < bytes.count, bytes[i] == UInt8(ascii: "}") { i += 1; return }
        while true {
            skipSpace(&i)
            let keyStart = i
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw SyntaxError(offset: i, reason: "expected a quoted key") }
            let key = try string(at: &i)
            guard seen.insert(key).inserted else { throw SyntaxError(offset: keyStart, reason: "key \"\(key)\" appears twice") }
            let member = path.isEmpty ? key : path + "." + key
            offsets[member] = keyStart
            skipSpace(&i)
            guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw SyntaxError(offset: i, reason: "expected ':' after key \"\(key)\"") }
            i += 1
            try value(at: &i, path: member)
            skipSpace(&i)
            guard i < bytes.count else { throw SyntaxError(offset: i, reason: "unexpected end of file in an object") }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "}") { i += 1; return }
            throw SyntaxError(offset: i, reason: "expected ',' or '}'")
        }
    }

    private mutating func array(at i: inout Int, path: String) throws {
        i += 1
        skipSpace(&i)
        if i < bytes.count, bytes[i] == UInt8(ascii: "]") { i += 1; return }
        var index = 0
        while true {
            try value(at: &i, path: "\(path)[\(index)]")
            index += 1
            skipSpace(&i)
            guard i < bytes.count else { throw SyntaxError(offset: i, reason: "unexpected end of file in a list") }
            if bytes[i] == UInt8(ascii: ",") { i += 1; continue }
            if bytes[i] == UInt8(ascii: "]") { i += 1; return }
            throw SyntaxError(offset: i, reason: "expected ',' or ']'")
        }
    }

    /// Reads a string starting at its opening quote; returns its raw text
    /// (escapes are kept as written, which is enough for key names).
    private func string(at i: inout Int) throws -> String {
        let start = i
        i += 1
        while i < bytes.count {
            switch bytes[i] {
            case UInt8(ascii: "\\"): i += 2
            case UInt8(ascii: "\""):
                i += 1
                return String(decoding: bytes[(start + 1)..<(i - 1)], as: UTF8.self)
            case 0x00..<0x20: throw SyntaxError(offset: i, reason: "control character in a string")
            default: i += 1
            }
        }
        throw SyntaxError(offset: start, reason: "unterminated string")
    }

    private func literal(at i: inout Int) throws {
        let start = i
        while i < bytes.count, !([0x20, 0x09, 0x0A, 0x0D, UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "}")].contains(bytes[i])) {
            i += 1
        }
        let word = String(decoding: bytes[start..<i], as: UTF8.self)
        guard word == "true" || word == "false" || word == "null" || Double(word) != nil, !word.isEmpty else {
            throw SyntaxError(offset: start, reason: word.isEmpty ? "expected a value" : "unexpected \"\(word.prefix(20))\"")
        }
    }
}
