import ArgumentParser
import ModelGet

/// `--limit-rate`, for the commands that honour it: a byte budget per
/// second for the whole operation, across all its connections, downloads
/// and uploads each held to it (as curl's `--limit-rate`).
struct RateLimitOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Limit the whole operation to this many bytes per second, across all connections: 50M is 50 MiB/s (K, M, G are powers of 1024, as curl reads them; progress shows the same units); downloads and uploads each.",
        valueName: "rate"))
    var limitRate: String?

    func validate() throws {
        if let limitRate, RateLimiter.parseRate(limitRate) == nil {
            throw ValidationError("--limit-rate wants a positive rate such as 50M, 800K or 1048576, not \"\(limitRate)\"")
        }
    }

    /// Bytes per second for the whole operation, if limited.
    var bytesPerSecond: Int64? { limitRate.flatMap(RateLimiter.parseRate) }
}
