import Foundation

/// The process's stdout and stderr, written as the `modelget` executable
/// always has: `print`'s text through the C library's buffered stdout, JSON
/// lines and stderr straight to their descriptors.
package struct ProcessOutput: OutputSink {
    package init() {}

    package func printed(_ text: String) { Swift.print(text, terminator: "") }

    package func json(_ line: Data) { FileHandle.standardOutput.write(line) }

    package func error(_ text: String) { FileHandle.standardError.write(Data(text.utf8)) }

    package var errorIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }
}
