import Synchronization

/// The byte range one connection is fetching, which other connections may
/// shrink while it runs (work stealing): `cursor` is the next offset its
/// response writes, `end` where it stops. Bytes are reserved before they
/// are written, so a range handed to another connection never overlaps
/// what this one writes.
final class PartClaim: Sendable {
    private struct State {
        var cursor: Int64
        var end: Int64
        /// True once another connection took part of the range.
        var shortened = false
        /// Cancels the request that fills this claim (set while it runs).
        var cancel: (@Sendable () -> Void)?
        var started = ContinuousClock.now
        var startCursor: Int64
    }

    private let state: Mutex<State>

    init(_ range: Range<Int64>) {
        state = Mutex(State(cursor: range.lowerBound, end: range.upperBound, startCursor: range.lowerBound))
    }

    /// What is still to fetch.
    var remaining: Range<Int64> { state.withLock { $0.cursor..<max($0.cursor, $0.end) } }

    /// True when nothing is left to fetch.
    var isDone: Bool { state.withLock { $0.cursor >= $0.end } }

    /// True once another connection took part of the range.
    var wasShortened: Bool { state.withLock { $0.shortened } }

    /// Reserves up to `count` bytes at the cursor: returns where they go and
    /// how many may be written (fewer, or none, past the end).
    func reserve(_ count: Int64) -> (offset: Int64, count: Int64) {
        state.withLock { state in
            let granted = max(0, min(count, state.end - state.cursor))
            defer { state.cursor += granted }
            return (state.cursor, granted)
        }
    }

    /// Starts over at `range` (a server that sent the whole blob instead of a part).
    func restart(_ range: Range<Int64>) {
        state.withLock { state in
            state.cursor = range.lowerBound
            state.end = range.upperBound
            state.startCursor = range.lowerBound
            state.started = .now
        }
    }

    /// Gives the upper half of what is left to another connection, when at
    /// least `minimum` bytes stay on each side.
    func split(minimum: Int64) -> Range<Int64>? {
        state.withLock { state in
            let left = state.end - state.cursor
            guard left >= 2 * max(1, minimum) else { return nil }
            let middle = state.cursor + left / 2
            defer { state.end = middle; state.shortened = true }
            return middle..<state.end
        }
    }

    /// Bytes per second this claim's current request has delivered, and
    /// how long it has run.
    var pace: (bytesPerSecond: Double, age: Duration) {
        state.withLock { state in
            let age = ContinuousClock.now - state.started
            return (Double(state.cursor - state.startCursor) / max(age.seconds, 0.001), age)
        }
    }

    /// True once the current request's first bytes arrived (a new
    /// connection has done its handshakes).
    var isDelivering: Bool { state.withLock { $0.cursor > $0.startCursor || $0.cursor >= $0.end } }

    /// Takes everything left (from a connection too slow to finish it) and
    /// cancels the request that was filling it.
    func takeRest() -> Range<Int64>? {
        let (taken, cancel) = state.withLock { state -> (Range<Int64>?, (@Sendable () -> Void)?) in
            guard state.end > state.cursor else { return (nil, nil) }
            defer { state.end = state.cursor; state.shortened = true }
            return (state.cursor..<state.end, state.cancel)
        }
        cancel?()
        return taken
    }

    /// Sets (or clears) how to cancel the request filling this claim.
    func setCancel(_ cancel: (@Sendable () -> Void)?) {
        state.withLock { state in
            state.cancel = cancel
            if cancel != nil {
                state.started = .now
                state.startCursor = state.cursor
            }
        }
    }
}

extension Duration {
    /// The duration in seconds, as a floating-point number.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
