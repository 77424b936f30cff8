/// Names and messages that come from an archive (member names, libarchive's
/// errors quoting them) are shown with control characters replaced by `?`,
/// so a hostile archive cannot drive the terminal.
enum ArchiveText {
    static func printable<S: StringProtocol>(_ text: S) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { $0.properties.generalCategory == .control ? "?" : $0 }))
    }
}
