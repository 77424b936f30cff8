/// `--name value` options and bare `--flag`s, parsed by hand.
struct Options {
    private var values: [String: String] = [:]
    private var flags: Set<String> = []

    /// Parses `arguments`; `valued` and `flags` list the accepted names
    /// (without dashes). Anything else is a usage error.
    init(_ arguments: ArraySlice<String>, valued: Set<String>, flags known: Set<String>) throws {
        var remaining = arguments[...]
        while let argument = remaining.popFirst() {
            guard argument.hasPrefix("--") else { throw UsageError("unexpected argument \(argument)") }
            let name = String(argument.dropFirst(2))
            if known.contains(name) {
                flags.insert(name)
            } else if valued.contains(name) {
                guard let value = remaining.popFirst() else { throw UsageError("\(argument) needs a value") }
                values[name] = value
            } else {
                throw UsageError("unknown option \(argument)")
            }
        }
    }

    /// The value of a required option.
    func required(_ name: String) throws -> String {
        guard let value = values[name] else { throw UsageError("--\(name) is required") }
        return value
    }

    /// The value of an option, if given.
    func optional(_ name: String) -> String? {
        values[name]
    }

    /// The value of an option as a non-negative integer, if given.
    func count(_ name: String) throws -> Int64? {
        try values[name].map { try Self.count($0, option: name) }
    }

    /// Whether a flag was given.
    func has(_ flag: String) -> Bool {
        flags.contains(flag)
    }

    /// `text` as a non-negative integer.
    static func count(_ text: String, option: String) throws -> Int64 {
        guard let value = Int64(text), value >= 0 else {
            throw UsageError("--\(option) takes non-negative integers, not \(text)")
        }
        return value
    }
}

/// Bad usage: the message is printed with the usage text, exit status 2.
struct UsageError: Error {
    let message: String

    init(_ message: String) {
        self.message = message
    }
}
