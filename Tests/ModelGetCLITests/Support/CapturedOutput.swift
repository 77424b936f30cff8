import Foundation
import ModelGetCLI
import Synchronization

/// An `OutputSink` that keeps what a command wrote: its stdout (printed
/// text and JSON lines, in the order written) and its stderr. Not a
/// terminal, as a pipe is not.
final class CapturedOutput: OutputSink {
    private let streams = Mutex((out: "", err: ""))

    func printed(_ text: String) { streams.withLock { $0.out += text } }
    func json(_ line: Data) { streams.withLock { $0.out += String(decoding: line, as: UTF8.self) } }
    func error(_ text: String) { streams.withLock { $0.err += text } }
    var errorIsTerminal: Bool { false }

    var out: String { streams.withLock { $0.out } }
    var err: String { streams.withLock { $0.err } }
}
