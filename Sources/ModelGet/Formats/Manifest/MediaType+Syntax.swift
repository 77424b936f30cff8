extension MediaType {
    /// The longest media type accepted: RFC 6838 names are at most 127
    /// characters each, and no real manifest, config or layer type comes
    /// near this with a suffix and parameters.
    public static let maximumLength = 255

    /// True when `text` is a media type as RFC 6838 §4.2 and RFC 9110 §8.3.1
    /// write it: `type/subtype[+suffix]` of restricted-name characters,
    /// then optional `;name=value` parameters (a token, or a quoted string
    /// of visible ASCII), at most `maximumLength` bytes. Such a string holds
    /// no CR, LF, NUL or other control character, so a manifest's type can
    /// be sent back as a `Content-Type` without adding a header or a request.
    public static func isWellFormed(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count <= maximumLength else { return false }
        var position = 0
        guard restrictedName(bytes, &position), take(UInt8(ascii: "/"), bytes, &position),
              restrictedName(bytes, &position) else { return false }
        while position < bytes.count {
            skipSpaces(bytes, &position)
            guard take(UInt8(ascii: ";"), bytes, &position) else { return false }
            skipSpaces(bytes, &position)
            guard token(bytes, &position), take(UInt8(ascii: "="), bytes, &position) else { return false }
            guard bytes[safe: position] == UInt8(ascii: "\"") ? quotedString(bytes, &position) : token(bytes, &position) else {
                return false
            }
        }
        return true
    }

    /// `restricted-name`: an ALPHA or DIGIT, then up to 126 of
    /// ALPHA / DIGIT / `! # $ & - ^ _ . +`.
    private static func restrictedName(_ bytes: [UInt8], _ position: inout Int) -> Bool {
        guard let first = bytes[safe: position], isAlphanumeric(first) else { return false }
        let start = position
        position += 1
        while let byte = bytes[safe: position], isAlphanumeric(byte) || "!#$&-^_.+".utf8.contains(byte) { position += 1 }
        return position - start <= 127
    }

    /// An RFC 9110 `token` (one or more `tchar`).
    private static func token(_ bytes: [UInt8], _ position: inout Int) -> Bool {
        let start = position
        while let byte = bytes[safe: position], isAlphanumeric(byte) || "!#$%&'*+-.^_`|~".utf8.contains(byte) { position += 1 }
        return position > start
    }

    /// An RFC 9110 `quoted-string` of visible ASCII, spaces and tabs, with
    /// backslash escapes of the same.
    private static func quotedString(_ bytes: [UInt8], _ position: inout Int) -> Bool {
        position += 1
        while let byte = bytes[safe: position] {
            position += 1
            switch byte {
            case UInt8(ascii: "\""):
                return true
            case UInt8(ascii: "\\"):
                guard let escaped = bytes[safe: position], isTextByte(escaped) else { return false }
                position += 1
            default:
                guard isTextByte(byte) else { return false }
            }
        }
        return false
    }

    private static func take(_ expected: UInt8, _ bytes: [UInt8], _ position: inout Int) -> Bool {
        guard bytes[safe: position] == expected else { return false }
        position += 1
        return true
    }

    private static func skipSpaces(_ bytes: [UInt8], _ position: inout Int) {
        while let byte = bytes[safe: position], byte == 0x20 || byte == 0x09 { position += 1 }
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }

    /// A tab, a space or a visible ASCII character.
    private static func isTextByte(_ byte: UInt8) -> Bool {
        byte == 0x09 || (0x20...0x7E).contains(byte)
    }
}

private extension Array where Element == UInt8 {
    subscript(safe index: Int) -> UInt8? { index < count ? self[index] : nil }
}
