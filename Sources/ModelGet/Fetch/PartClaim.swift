import Synchronization

/// The byte range connections are fetching for one part of a blob, which
/// other connections may shrink while it runs (work stealing): `cursor`
/// is the next offset to write, `end` where it stops. Bytes are reserved
/// before they are written, so a range handed to another connection never
/// overlaps what this one writes.
///
/// A claim whose connection lags near the end of a blob may be hedged: a
/// second request fetches the same rest on a fresh connection. Each writes
/// only the bytes past the cursor, the furthest either has reached, so the
/// faster copy wins, the slower one's bytes are dropped, and once the claim
/// is done the other request is cancelled.
final class PartClaim: Sendable {
    private struct State {
        var cursor: Int64
        var end: Int64
        /// True once another connection took part of the range.
        var shortened = false
        /// True once a second request races the first for the rest.
        var hedged = false
        /// Cancels each request filling this claim, by runner.
        var runners: [Int: @Sendable () -> Void] = [:]
        var nextRunner = 0
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

    /// True once a second request races the first.
    var isHedged: Bool { state.withLock { $0.hedged } }

    /// Reserves what is new in `count` bytes a response delivers from
    /// `position`: returns where they go, how many may be written (fewer,
    /// or none, past the end), and how many leading ones to drop (another
    /// request of a hedged claim wrote them first).
    func reserve(_ count: Int64, from position: Int64) -> (offset: Int64, count: Int64, skip: Int64) {
        state.withLock { state in
            let start = max(position, state.cursor)
            let granted = max(0, min(position + count, state.end) - start)
            state.cursor = max(state.cursor, start + granted)
            return (start, granted, min(start - position, count))
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

    /// Marks the claim hedged (once); false when it already was or is done.
    func hedge() -> Bool {
        state.withLock { state in
            guard !state.hedged, state.cursor < state.end else { return false }
            state.hedged = true
            return true
        }
    }

    /// Bytes per second this claim has advanced since its first request
    /// started, and how long that has run.
    var pace: (bytesPerSecond: Double, age: Duration) {
        state.withLock { state in
            let age = ContinuousClock.now - state.started
            return (Double(state.cursor - state.startCursor) / max(age.seconds, 0.001), age)
        }
    }

    /// True once the current request's first bytes arrived (a new
    /// connection has done its handshakes).
    var isDelivering: Bool { state.withLock { $0.cursor > $0.startCursor || $0.cursor >= $0.end } }

    /// Registers a request filling the claim (`cancel` stops it); returns
    /// its runner number. The first one starts the pace's clock.
    func addRunner(cancel: @escaping @Sendable () -> Void) -> Int {
        state.withLock { state in
            if state.runners.isEmpty {
                state.started = .now
                state.startCursor = state.cursor
            }
            state.nextRunner += 1
            state.runners[state.nextRunner] = cancel
            return state.nextRunner
        }
    }

    /// Forgets a request that ended; returns how many still run.
    func removeRunner(_ runner: Int) -> Int {
        state.withLock { state in
            state.runners[runner] = nil
            return state.runners.count
        }
    }

    /// Cancels every request but `runner` (the one that finished the claim).
    func cancelRunners(except runner: Int) {
        let others = state.withLock { state in state.runners.filter { $0.key != runner }.map(\.value) }
        others.forEach { $0() }
    }
}

extension Duration {
    /// The duration in seconds, as a floating-point number.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
