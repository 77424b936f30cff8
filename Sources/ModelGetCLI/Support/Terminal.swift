import Foundation

/// Writing to the terminal: stderr lines, TTY checks and width. The text
/// goes to the running command's `OutputSink`.
enum Terminal {
    static func printError(_ line: String) {
        CommandOutput.sink.error(line + "\n")
    }

    static func write(_ text: String) {
        CommandOutput.sink.error(text)
    }

    /// True when stderr is a terminal that can redraw a line.
    static var canRedraw: Bool {
        CommandOutput.sink.errorIsTerminal && ProcessInfo.processInfo.environment["TERM"] != "dumb"
    }

    /// Columns of the terminal, else `$COLUMNS`, else 80.
    static var width: Int {
        var size = winsize()
        if ioctl(STDERR_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return ProcessInfo.processInfo.environment["COLUMNS"].flatMap(Int.init) ?? 80
    }
}
