import Foundation

/// The one policy for "the other side is gone": connection refused or
/// reset, DNS and TLS failures, stalls, 5xx, 408 and 429 are retried with
/// exponential backoff and jitter, honouring `Retry-After`, for as long as
/// the retry window allows (`--retry-window`); bytes that arrive start the
/// window afresh. A host nothing has answered yet (a typo, a registry that
/// is not running) gets only `quickRetries` quick ones. Everything else
/// fails at once. `RetryWindow` keeps one loop's account under it;
/// `RetryingHTTPClient` applies it to every request.
public struct RetryPolicy: Sendable {
    /// How long the other side may fail without a byte arriving before the
    /// command gives up (`--retry-window`).
    public var window: TimeInterval
    /// The first backoff; each further one doubles, up to `maximumDelay`.
    public var baseDelay: TimeInterval
    public var maximumDelay: TimeInterval
    /// Retries for a host that has not answered once since the process
    /// started, spaced by `quickDelay`: it fails in well under a second.
    public var quickRetries: Int
    public var quickDelay: TimeInterval

    /// Two minutes: a registry restarted or a link that comes back within
    /// it is simply continued; ollama users wait about that long before
    /// they give up on a stuck pull.
    public static let defaultWindow: TimeInterval = 120

    public init(window: TimeInterval = RetryPolicy.defaultWindow, baseDelay: TimeInterval = 0.5, maximumDelay: TimeInterval = 30,
                quickRetries: Int = 2, quickDelay: TimeInterval = 0.1) {
        self.window = max(0, window)
        self.baseDelay = baseDelay
        self.maximumDelay = maximumDelay
        self.quickRetries = max(0, quickRetries)
        self.quickDelay = quickDelay
    }

    /// No retry at all: every failure is final.
    public static let never = RetryPolicy(window: 0, quickRetries: 0)

    /// False for `never`: no failure is tried again.
    public var retries: Bool { window > 0 || quickRetries > 0 }

    /// True for HTTP statuses worth another try.
    package static func isRetryable(status: Int) -> Bool {
        status == 408 || status == 429 || (500...599).contains(status)
    }

    /// True for errors worth another try.
    package static func isRetryable(_ error: Error) -> Bool {
        switch error {
        case ModelGetError.network: return true
        case let ModelGetError.http(status, _, _, _): return isRetryable(status: status)
        default: return false
        }
    }

    /// The wait before attempt `attempt + 1` (attempt counts from 1).
    package func delay(afterAttempt attempt: Int, retryAfter: String? = nil, now: Date = Date()) -> TimeInterval {
        if let retryAfter, let requested = RetryPolicy.parseRetryAfter(retryAfter, now: now) {
            return min(max(requested, 0), maximumDelay * 2)
        }
        let exponential = min(baseDelay * pow(2, Double(max(attempt, 1) - 1)), maximumDelay)
        return exponential * Double.random(in: 0.5...1.0)
    }

    /// Parses a window as `--retry-window` takes it: `2m`, `90s`, `1h`,
    /// `1m30s`, or plain seconds (`45`, `2.5`); nil for anything else.
    package static func parseDuration(_ text: String) -> TimeInterval? {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3600]
        var total = 0.0
        var number = ""
        var sawUnit = false
        for character in text.trimmingCharacters(in: .whitespaces).lowercased() {
            if character.isNumber || character == "." {
                number.append(character)
            } else if let unit = units[character], let value = Double(number) {
                total += value * unit
                number = ""
                sawUnit = true
            } else {
                return nil
            }
        }
        if !number.isEmpty {
            guard let value = Double(number), !sawUnit else { return nil }
            total += value
        } else if !sawUnit {
            return nil
        }
        return total.isFinite && total >= 0 ? total : nil
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
