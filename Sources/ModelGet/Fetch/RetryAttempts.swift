import Foundation

/// The failed attempts of one transfer (a part of a blob, or a blob's
/// upload) under a `RetryPolicy`, and whether another attempt is allowed:
/// the one retry loop every transfer shares. `policy.maximumAttempts`
/// failures in a row without progress end it, and so do
/// `maximumAttemptsFactor` times that many failures in all.
struct RetryAttempts {
    /// Attempts in all, as a multiple of the attempts allowed in a row.
    static let maximumAttemptsFactor = 8

    let policy: RetryPolicy
    private(set) var inARow = 0
    private(set) var total = 0

    init(_ policy: RetryPolicy) {
        self.policy = policy
    }

    /// Records a failed attempt (`progressed`: it moved the transfer on
    /// since the last failure, which starts a new run of failures); returns
    /// the wait before the next attempt, or nil when there is none.
    mutating func failed(progressed: Bool = false, retryAfter: String? = nil) -> TimeInterval? {
        if progressed { inARow = 0 }
        inARow += 1
        total += 1
        guard inARow < policy.maximumAttempts, total < policy.maximumAttempts * Self.maximumAttemptsFactor else { return nil }
        return policy.delay(afterAttempt: inARow, retryAfter: retryAfter)
    }
}
