import Foundation

/// Where a running command's output goes: the process's stdout and stderr
/// (`ProcessOutput`), or memory when a test runs a command line in-process
/// through `CommandLineRunner.run(_:output:)`. Every writer of the CLI
/// (`print`, `JSONLines`, `Terminal`) writes to `CommandOutput.sink`.
package protocol OutputSink: Sendable {
    /// Text for stdout, as `print` writes it.
    func printed(_ text: String)
    /// One JSON object and its newline for stdout, written at once (a
    /// reader follows progress events while the command runs).
    func json(_ line: Data)
    /// Text for stderr.
    func error(_ text: String)
    /// True when stderr is a terminal (a live frame may redraw in place).
    var errorIsTerminal: Bool { get }
}

/// The sink of the command running in this task and the tasks it starts.
enum CommandOutput {
    @TaskLocal static var sink: any OutputSink = ProcessOutput()
}
