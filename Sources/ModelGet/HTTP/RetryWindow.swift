import Foundation
import Synchronization

/// One retry loop's account under a `RetryPolicy`: since when the other
/// side has been failing, and whether another attempt still fits in the
/// retry window. Bytes that arrive start it afresh (`progressed`).
///
/// The loop that owns a transfer's bytes (`PartFetcher`, an upload,
/// extract's stream) makes one and sets it as `current` around its
/// requests; `RetryingHTTPClient` then counts the retries it makes for
/// them against the same window instead of opening one of its own, so
/// nested loops never stretch the time a command waits.
package final class RetryWindow: Sendable {
    /// The window of the loop the current task runs in, if any.
    @TaskLocal package static var current: RetryWindow?

    package let policy: RetryPolicy
    private struct State {
        var since: ContinuousClock.Instant?
        var sinceDate = Date()
        var failures = 0
        /// A `Retry-After` an answer to the loop's request carried, waited
        /// for at its next failure.
        var heardRetryAfter: String?
    }
    private let state = Mutex(State())

    package init(_ policy: RetryPolicy) {
        self.policy = policy
    }

    /// Bytes arrived: the next failure opens a new window.
    package func progressed() {
        state.withLock { state in
            state.since = nil
            state.failures = 0
        }
    }

    /// An answer the decorator handed back to the owning loop (a 429 or
    /// 503 under a loop, see `RetryingHTTPClient`) asked to wait
    /// `value`: the loop's next failure waits that long.
    public func heard(retryAfter value: String) {
        state.withLock { $0.heardRetryAfter = value }
    }

    /// What is left of the window while the other side is failing; nil
    /// while it is not.
    package var remaining: TimeInterval? {
        state.withLock { state in
            state.since.map { policy.window - Self.seconds(ContinuousClock.now - $0) }
        }
    }

    /// Records that a request to `host` failed with `error` (`retryAfter`:
    /// the server's `Retry-After`, else one `heard` since the last
    /// failure); returns the wait before the next
    /// attempt, which never ends past the window. Throws
    /// `ModelGetError.unreachable` once the window is spent (or `error`
    /// itself when the policy allows no window at all).
    package func failed(_ error: Error, host: String, retryAfter: String? = nil) throws -> TimeInterval {
        guard policy.window > 0 else { throw error }
        let now = ContinuousClock.now
        let (failures, since, sinceDate, heard) = state.withLock { state in
            if state.since == nil {
                state.since = now
                state.sinceDate = Date()
            }
            state.failures += 1
            defer { state.heardRetryAfter = nil }
            return (state.failures, state.since!, state.sinceDate, state.heardRetryAfter)
        }
        let left = policy.window - Self.seconds(now - since)
        guard left > 0 else {
            throw ModelGetError.unreachable(.init(host: host, url: host, since: sinceDate, reason: Self.reason(error), window: policy.window))
        }
        return min(policy.delay(afterAttempt: failures, retryAfter: retryAfter ?? heard), left)
    }

    /// The short reason an error gives ("could not connect", "HTTP 503").
    static func reason(_ error: Error) -> String {
        switch error {
        case let ModelGetError.network(_, reason): return reason
        case let ModelGetError.http(status, _, code, message):
            return "HTTP \(status)" + (code.map { " " + $0 } ?? "") + (message.map { ": " + $0 } ?? "")
        default: return "\(error)"
        }
    }

    static func seconds(_ duration: Duration) -> TimeInterval {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
