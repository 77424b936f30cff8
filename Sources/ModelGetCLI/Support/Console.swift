import Foundation
import Synchronization

/// The one writer of stderr while a command runs: it keeps the live
/// progress frame (several lines, redrawn in place on a terminal) and
/// prints messages above it, so a message never lands inside the frame.
final class Console: Sendable {
    static let shared = Console()

    private struct Frame {
        /// Lines of the frame now on screen (0: none).
        var drawn = 0
        /// The frame's lines, to redraw below a message.
        var lines: [String] = []
    }

    private let frame = Mutex(Frame())

    /// Draws `lines` in place of the frame on screen (terminal only).
    func draw(_ lines: [String]) {
        frame.withLock { frame in
            var text = Self.erase(frame.drawn) + lines.map { $0 + "\u{1B}[K" }.joined(separator: "\n")
            if frame.drawn == 0 { text = "\u{1B}[?25l" + text }
            Terminal.write(text)
            frame.drawn = lines.count
            frame.lines = lines
        }
    }

    /// Leaves the frame on screen as it is and moves below it, showing the
    /// cursor again; the next output starts on a line of its own.
    func endFrame() {
        frame.withLock { frame in
            guard frame.drawn > 0 else { return }
            Terminal.write("\n\u{1B}[?25h")
            frame = Frame()
        }
    }

    /// One line on stderr, above the live frame when one is drawn.
    func message(_ line: String) {
        frame.withLock { frame in
            guard frame.drawn > 0 else { return Terminal.printError(line) }
            let redraw = frame.lines.map { $0 + "\u{1B}[K" }.joined(separator: "\n")
            Terminal.write(Self.erase(frame.drawn) + line + "\u{1B}[K\n" + redraw)
        }
    }

    /// Moves to the start of a frame of `lines` lines whose last line holds
    /// the cursor, and clears from there down.
    private static func erase(_ lines: Int) -> String {
        guard lines > 0 else { return "" }
        return (lines > 1 ? "\u{1B}[\(lines - 1)A" : "") + "\r\u{1B}[J"
    }
}
