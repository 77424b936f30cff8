/// A command's final line, kept within 80 columns: `head: detail` when
/// that fits, else `head` and the detail indented on the next line.
enum Summary {
    static let width = 80

    static func text(_ head: String, _ detail: String) -> String {
        let line = head + ": " + detail
        return line.count <= width ? line : head + "\n  " + detail
    }
}
