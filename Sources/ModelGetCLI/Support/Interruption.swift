import Foundation
import ModelGet

/// How every long command (`LongCommand`) ends on Ctrl-C or SIGTERM: the work is
/// cancelled (transfers stop, part state and upload sessions are written,
/// temporaries removed or left for the next run to reuse), the command
/// exits 130 with one line saying how to resume (`CommandLineRunner` writes it, and
/// with `--json` the `error` event, as for any other failure).
enum Interruption {
    /// Runs `work` until it ends or a signal interrupts it.
    static func run<T: Sendable>(_ work: sending @escaping () async throws -> T) async throws -> T {
        let task = Task(operation: work)
        let signals = SignalCancellation(signals: [SIGINT, SIGTERM]) { task.cancel() }
        defer { signals.remove() }
        do {
            return try await task.value
        } catch where task.isCancelled {
            throw ModelGetError.interrupted
        }
    }
}
