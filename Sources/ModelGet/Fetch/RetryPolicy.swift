import Foundation

/// When and how long to wait before trying a transfer again: connection
/// errors, stalls, 5xx, 408 and 429 are retried with exponential backoff
/// and jitter, honouring `Retry-After`; everything else fails at once.
public struct RetryPolicy: Sendable {
    /// Attempts in a row without progress (at least 256 KiB of new bytes
    /// kept) for one range of a blob, the first included; see `PartFetcher`
    /// for the bounds on attempts and bytes in all.
    public var maximumAttempts: Int
    /// The first backoff; each further one doubles, up to `maximumDelay`.
    public var baseDelay: TimeInterval
    public var maximumDelay: TimeInterval

    public init(maximumAttempts: Int = 6, baseDelay: TimeInterval = 0.5, maximumDelay: TimeInterval = 30) {
        self.maximumAttempts = maximumAttempts
        self.baseDelay = baseDelay
        self.maximumDelay = maximumDelay
    }

    /// True for HTTP statuses worth another try.
    public static func isRetryable(status: Int) -> Bool {
        status == 408 || status == 429 || (500...599).contains(status)
    }

    /// True for errors worth another try.
    public static func isRetryable(_ error: Error) -> Bool {
        switch error {
        case ModelGetError.network: return true
        case let ModelGetError.http(status, _, _, _): return isRetryable(status: status)
        default: return false
        }
    }

    /// The wait before attempt `attempt + 1` (attempt counts from 1).
    public func delay(afterAttempt attempt: Int, retryAfter: String? = nil, now: Date = Date()) -> TimeInterval {
        if let retryAfter, let requested = RetryPolicy.parseRetryAfter(retryAfter, now: now) {
            return min(max(requested, 0), maximumDelay * 2)
        }
        let exponential = min(baseDelay * pow(2, Double(attempt - 1)), maximumDelay)
        return exponential * Double.random(in: 0.5...1.0)
    }

    /// `Retry-After` as seconds or an HTTP date.
    static func parseRetryAfter(_ value: String, now: Date) -> TimeInterval? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(text) { return seconds }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return formatter.date(from: text).map { $0.timeIntervalSince(now) }
    }
}
