/// One challenge of a `WWW-Authenticate` header (RFC 7235), e.g.
/// `Bearer realm="https://auth.example/token",service="registry",scope="repository:x:pull"`.
package struct AuthChallenge: Equatable, Sendable {
    /// The scheme, lowercased: `bearer`, `basic`, …
    package var scheme: String
    /// Parameters with lowercased names and unquoted values.
    package var parameters: [String: String]

    package init(scheme: String, parameters: [String: String]) {
        self.scheme = scheme
        self.parameters = parameters
    }

    /// Parses every challenge in one or more header values. Quoted values
    /// may contain commas, spaces and backslash escapes.
    package static func parse(_ headerValues: [String]) -> [AuthChallenge] {
        headerValues.flatMap(parse)
    }

    /// Parses every challenge in one header value.
    package static func parse(_ header: String) -> [AuthChallenge] {
        var scanner = Scanner(Array(header.unicodeScalars))
        var challenges: [AuthChallenge] = []
        while true {
            scanner.skip { $0 == " " || $0 == "\t" || $0 == "," }
            guard let scheme = scanner.token(), !scheme.isEmpty else { break }
            var challenge = AuthChallenge(scheme: scheme.lowercased(), parameters: [:])
            // Parameters: name=value pairs separated by commas, until a
            // token that is not followed by '=' starts the next challenge.
            while true {
                let mark = scanner.position
                scanner.skip { $0 == " " || $0 == "\t" || $0 == "," }
                guard let name = scanner.token(), !name.isEmpty else { break }
                scanner.skip { $0 == " " || $0 == "\t" }
                guard scanner.peek == "=" else {
                    scanner.position = mark
                    break
                }
                scanner.advance()
                scanner.skip { $0 == " " || $0 == "\t" }
                let value = scanner.peek == "\"" ? scanner.quoted() : (scanner.token() ?? "")
                challenge.parameters[name.lowercased()] = value
            }
            challenges.append(challenge)
        }
        return challenges
    }

    private struct Scanner {
        let scalars: [Unicode.Scalar]
        var position = 0

        init(_ scalars: [Unicode.Scalar]) { self.scalars = scalars }

        var peek: Unicode.Scalar? { position < scalars.count ? scalars[position] : nil }

        mutating func advance() { position += 1 }

        mutating func skip(while predicate: (Unicode.Scalar) -> Bool) {
            while let c = peek, predicate(c) { position += 1 }
        }

        /// An RFC 7230 token (also accepts '/' so token68 values survive).
        mutating func token() -> String? {
            let start = position
            while let c = peek, !" \t,=\"".unicodeScalars.contains(c) { position += 1 }
            // token68 may end in '='s: keep them when no value follows.
            return position > start ? String(String.UnicodeScalarView(scalars[start..<position])) : nil
        }

        mutating func quoted() -> String {
            advance()
            var out = String.UnicodeScalarView()
            while let c = peek {
                advance()
                if c == "\\", let next = peek {
                    out.append(next)
                    advance()
                } else if c == "\"" {
                    break
                } else {
                    out.append(c)
                }
            }
            return String(out)
        }
    }
}
