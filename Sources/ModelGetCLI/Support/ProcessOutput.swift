import Foundation

/// The process's stdout and stderr, written as the `modelget` executable
/// always has: `print`'s text through the C library's buffered stdout, JSON
/// lines and stderr straight to their descriptors.
public struct ProcessOutput: OutputSink {
    public init() {}

    public func printed(_ text: String) { Swift.print(text, terminator: "") }

    public func json(_ line: Data) { FileHandle.standardOutput.write(line) }

    public func error(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }

    public var errorIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }
}
