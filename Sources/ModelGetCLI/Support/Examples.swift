/// The EXAMPLES section of a command's help (and so of its man page).
enum Examples {
    static func text(_ lines: [String], before: String? = nil) -> String {
        (before.map { $0 + "\n\n" } ?? "") + "EXAMPLES:\n" + lines.map { "  " + $0 }.joined(separator: "\n")
    }
}
