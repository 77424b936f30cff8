/// What may stand in an HTTP header field (RFC 9110 §5.1, §5.5): a name
/// is a token, a value holds no control character but the tab. A field
/// that breaks these rules could end its line early and add a header, or
/// a whole second request, to what a server reads (request smuggling), so
/// nothing breaking them is sent, and no registry-supplied header value
/// breaking them becomes part of a request.
package enum HeaderFieldSyntax {
    /// True for an RFC 9110 `token`: letters, digits and ``!#$%&'*+-.^_`|~``.
    package static func isName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
                || "!#$%&'*+-.^_`|~".utf8.contains(byte)
        }
    }

    /// True when `value` holds no CR, LF, NUL or other control character
    /// (C0 but the tab, and DEL).
    package static func isValue(_ value: String) -> Bool {
        !value.utf8.contains { byte in (byte < 0x20 && byte != 0x09) || byte == 0x7F }
    }
}

extension HTTPHeaders {
    /// The name of the first field that is not a token name with a clean
    /// value (`HeaderFieldSyntax`), or nil when every field can be sent.
    package var firstMalformedField: String? {
        first { !HeaderFieldSyntax.isName($0.name) || !HeaderFieldSyntax.isValue($0.value) }?.name
    }
}

extension HTTPResponse {
    /// The first value of header `name`, for use in a further request (a
    /// `Location`, an upload location, an auth challenge): refused when it
    /// holds a control character, which no honest server sends.
    package func checkedHeader(_ name: String) throws -> String? {
        try checkedHeaderValues(name).first
    }

    /// Every value of header `name`, refused as `checkedHeader` refuses one.
    package func checkedHeaderValues(_ name: String) throws -> [String] {
        let values = headers.values(name)
        guard values.allSatisfy(HeaderFieldSyntax.isValue) else {
            throw ModelGetError.malformedServerHeader(url: url.redacted, header: name)
        }
        return values
    }
}
