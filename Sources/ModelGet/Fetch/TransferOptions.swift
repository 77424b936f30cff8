import Foundation

/// How an operation moves blobs, whatever the command: how many requests
/// run at once, when a silent transfer is cut, how big blobs are split
/// into parts and over how many connections, how fast, and how failures
/// are retried. Its defaults are the defaults of every command and of the
/// library; the CLI's flags only change them.
public struct TransferOptions: Sendable {
    /// Requests in flight at once across the whole operation: small blobs
    /// and the parts of big ones share them (`--concurrency`).
    public var concurrency: Int
    /// Cut a transfer that moves no byte for this many seconds; it is
    /// retried from where it stopped (`--stall-timeout`). It is carried by
    /// the registry clients an operation makes itself; a `RegistryClient`
    /// handed to an operation keeps the one it was made with.
    public var stallTimeout: TimeInterval
    /// How big blobs are split into ranged parts: the threshold
    /// (`--part-threshold`), a fixed count (`--parts`) or the adaptive one,
    /// and the connections all big blobs share (`--max-connections-per-host`).
    public var parts: PartPlan
    /// Bytes per second for the whole operation, across every connection
    /// (`--limit-rate`; nil: no limit).
    public var limitRate: Int64?
    /// When a failed request is tried again, and for how long (`--retry-window`).
    public var retry: RetryPolicy
    /// Compare what is missing with the free space before the first byte
    /// (`--no-space-check` turns it off).
    public var checksFreeSpace = true

    /// 64 requests at once.
    public static let defaultConcurrency = 64
    /// The concurrency a user may ask for.
    public static let concurrencyRange = 1...1024
    /// The fixed part count and the connection cap a user may ask for.
    public static let partsRange = 1...64

    public init(concurrency: Int = TransferOptions.defaultConcurrency,
                stallTimeout: TimeInterval = HTTPRequest.defaultStallTimeout,
                parts: PartPlan = PartPlan(), limitRate: Int64? = nil, retry: RetryPolicy = RetryPolicy()) {
        self.concurrency = concurrency
        self.stallTimeout = stallTimeout
        self.parts = parts
        self.limitRate = limitRate
        self.retry = retry
    }

    /// Throws a usage error naming the flag of the first value out of range.
    public func validate() throws {
        guard Self.concurrencyRange.contains(concurrency) else {
            throw ModelGetError.usage("--concurrency must be from \(Self.concurrencyRange.lowerBound) to \(Self.concurrencyRange.upperBound)")
        }
        guard stallTimeout > 0, stallTimeout.isFinite else { throw ModelGetError.usage("--stall-timeout must be positive") }
        if !parts.adaptive, !Self.partsRange.contains(parts.parallelParts) {
            throw ModelGetError.usage("--parts must be from \(Self.partsRange.lowerBound) to \(Self.partsRange.upperBound)")
        }
        guard parts.threshold >= 1 << 20 else { throw ModelGetError.usage("--part-threshold must be at least 1") }
        guard Self.partsRange.contains(parts.maximumParts) else {
            throw ModelGetError.usage("--max-connections-per-host must be from \(Self.partsRange.lowerBound) to \(Self.partsRange.upperBound)")
        }
        if let limitRate, limitRate <= 0 { throw ModelGetError.usage("--limit-rate must be positive") }
    }

    /// The engine one operation's downloads go through (request slots,
    /// part connections, rate limit, retries, part plan): made once per
    /// operation, shared by every blob it fetches.
    package func engine(progress: TransferProgress = TransferProgress()) -> FetchEngine {
        FetchEngine(concurrency: concurrency, retry: retry, parts: parts, limitRate: limitRate, checksFreeSpace: checksFreeSpace,
                    progress: progress)
    }
}
