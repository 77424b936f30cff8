import Foundation
import Synchronization

/// Failed Basic-auth attempts per client address: after `maximumFailures`
/// within `window`, that address is answered 429 with `Retry-After`
/// (credentials not even checked) until its oldest counted failure is a
/// `window` old, so a password cannot be guessed at bcrypt's speed. A
/// request without credentials (a client's first, answered by the 401
/// challenge) is no failure. At most `maximumClients` addresses are kept;
/// past that the quietest are forgotten first.
final class FailedLoginLimit: Sendable {
    static let maximumFailures = 10
    static let window: Duration = .seconds(60)
    static let maximumClients = 4096

    private let failures = Mutex<[String: [ContinuousClock.Instant]]>([:])

    /// Addresses with failures remembered.
    var trackedClients: Int { failures.withLock { $0.count } }

    /// Seconds until `client` may try again, or nil when it may now.
    func retryAfter(_ client: String, now: ContinuousClock.Instant = .now) -> Int? {
        failures.withLock { failures in
            guard let times = failures[client] else { return nil }
            let recent = times.filter { now - $0 < Self.window }
            failures[client] = recent.isEmpty ? nil : recent
            guard recent.count >= Self.maximumFailures, let oldest = recent.first else { return nil }
            let wait = Self.window - (now - oldest)
            return max(1, Int((Double(wait.components.seconds) + Double(wait.components.attoseconds) / 1e18).rounded(.up)))
        }
    }

    /// Counts one failed attempt from `client`.
    func recordFailure(_ client: String, now: ContinuousClock.Instant = .now) {
        failures.withLock { failures in
            var recent = (failures[client] ?? []).filter { now - $0 < Self.window }
            recent.append(now)
            failures[client] = Array(recent.suffix(Self.maximumFailures))
            guard failures.count > Self.maximumClients else { return }
            failures = failures.filter { now - ($0.value.last ?? now) < Self.window }
            while failures.count > Self.maximumClients,
                  let quietest = failures.min(by: { ($0.value.last ?? now) < ($1.value.last ?? now) })?.key {
                failures[quietest] = nil
            }
        }
    }
}
