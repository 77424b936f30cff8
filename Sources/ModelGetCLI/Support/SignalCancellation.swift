import Dispatch
import Foundation

/// Runs an action when one of `signals` arrives (instead of the default,
/// which kills the process), so an interrupted command can stop cleanly.
final class SignalCancellation: @unchecked Sendable {
    // The sources are set up once in init and only cancelled in remove.
    private let sources: [DispatchSourceSignal]
    private let signals: [Int32]

    init(signals: [Int32], action: @escaping @Sendable () -> Void) {
        self.signals = signals
        sources = signals.map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler(handler: action)
            source.resume()
            return source
        }
    }

    /// Stops listening and restores the default handlers.
    func remove() {
        for source in sources { source.cancel() }
        for number in signals { signal(number, SIG_DFL) }
    }
}
