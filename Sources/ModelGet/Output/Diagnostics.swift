import Synchronization

/// Messages for a person watching closely: `verbose` ones (phases,
/// redirects, retries with their reasons, resumed downloads) for `-v`, and
/// `debug` ones (each HTTP request and response line) for `--debug`. The
/// library reports them here; the command line decides whether and where
/// they are shown. Nothing is kept when no handler is set. Callers pass
/// text that holds no secret (URLs through `URLRedaction`); the handler
/// escapes control characters.
public enum Diagnostics {
    /// How much detail a handler wants.
    public enum Level: Int, Sendable, Comparable {
        case verbose = 1
        case debug = 2

        public static func < (a: Level, b: Level) -> Bool { a.rawValue < b.rawValue }
    }

    /// Receives each message at or below `level`.
    public struct Handler: Sendable {
        public var level: Level
        public var write: @Sendable (Level, String) -> Void

        public init(level: Level, write: @escaping @Sendable (Level, String) -> Void) {
            self.level = level
            self.write = write
        }
    }

    private static let handler = Mutex<Handler?>(nil)

    /// Sets (or with nil removes) the process's one handler.
    public static func install(_ new: Handler?) {
        handler.withLock { $0 = new }
    }

    /// True when a message at `level` would be shown (to skip building it).
    public static func wants(_ level: Level) -> Bool {
        handler.withLock { $0.map { level <= $0.level } ?? false }
    }

    /// A phase, redirect, retry or resume, for `-v`.
    package static func verbose(_ message: @autoclosure () -> String) {
        emit(.verbose, message)
    }

    /// An HTTP request or response line, for `--debug`.
    package static func debug(_ message: @autoclosure () -> String) {
        emit(.debug, message)
    }

    private static func emit(_ level: Level, _ message: () -> String) {
        guard let current = handler.withLock({ $0 }), level <= current.level else { return }
        current.write(level, message())
    }
}
