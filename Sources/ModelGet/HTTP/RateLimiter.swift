import Foundation
import Synchronization

/// A byte budget per second shared by every connection of one operation
/// (`--limit-rate`): a token bucket that may run into debt by one chunk.
/// A transfer takes tokens for each chunk it receives; when none are left
/// the engine pauses it and resumes it once the bucket refills.
public final class RateLimiter: Sendable {
    /// Bytes per second for the whole operation.
    public let bytesPerSecond: Int64
    private let burst: Double
    private let state: Mutex<(tokens: Double, refilled: ContinuousClock.Instant)>

    /// A limit of `bytesPerSecond` (at least 1) across all connections.
    public init(bytesPerSecond: Int64) {
        self.bytesPerSecond = max(1, bytesPerSecond)
        // A tenth of a second of credit: smooth enough, and at most 10 %
        // over the limit in the first second, far less over a longer run.
        burst = max(Double(self.bytesPerSecond) / 10, 16 * 1024)
        state = Mutex((0, .now))
    }

    /// Takes `count` bytes when the bucket has any credit left; returns
    /// false (taking nothing) when it is empty.
    func take(_ count: Int) -> Bool {
        state.withLock { state in
            refill(&state)
            guard state.tokens > 0 else { return false }
            state.tokens -= Double(count)
            return true
        }
    }

    /// True when a paused transfer may go on.
    var hasCredit: Bool {
        state.withLock { state in
            refill(&state)
            return state.tokens > 0
        }
    }

    private func refill(_ state: inout (tokens: Double, refilled: ContinuousClock.Instant)) {
        let now = ContinuousClock.now
        state.tokens = min(burst, state.tokens + (now - state.refilled).seconds * Double(bytesPerSecond))
        state.refilled = now
    }

    /// Parses `50M`, `800K`, `1.5G` or a plain byte count (binary units, as curl's `--limit-rate`).
    package static func parseRate(_ text: String) -> Int64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard let last = trimmed.last else { return nil }
        let multipliers: [Character: Double] = ["k": 1024, "m": 1_048_576, "g": 1_073_741_824]
        let scale = multipliers[Character(last.lowercased())]
        let number = scale == nil ? trimmed : String(trimmed.dropLast())
        guard let value = Double(number), value.isFinite, value > 0 else { return nil }
        let bytes = value * (scale ?? 1)
        guard bytes >= 1, bytes < Double(Int64.max / 2) else { return nil }
        return Int64(bytes)
    }
}
