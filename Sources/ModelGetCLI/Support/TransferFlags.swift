import ArgumentParser
import Foundation
import ModelGet

/// `--concurrency`, `--stall-timeout` and `--retry-window`, for every
/// command that moves blobs; with `DownloadOptions` they make the library's `TransferOptions`,
/// whose defaults they show.
struct TransferFlags: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Requests at once, small blobs and parts of big ones together (default: \(TransferOptions.defaultConcurrency); for sync, the file's \"concurrency\" first).",
        valueName: "n"))
    var concurrency: Int?

    @Option(name: .customLong("stall-timeout"), help: ArgumentHelp(
        "Cut and resume a transfer that moves nothing for this many seconds (default: \(Int(HTTPRequest.defaultStallTimeout))).",
        valueName: "seconds"))
    var stallTimeoutOption: Double?

    /// `--stall-timeout`, else the library's default.
    var stallTimeout: TimeInterval { stallTimeoutOption ?? HTTPRequest.defaultStallTimeout }

    @OptionGroup var retryWindow: RetryWindowOption

    /// The retry policy every request of the command follows.
    var retry: RetryPolicy { retryWindow.policy }

    func validate() throws {
        do {
            try TransferOptions(concurrency: concurrency ?? TransferOptions.defaultConcurrency, stallTimeout: stallTimeout).validate()
        } catch {
            throw ValidationError("\(error)")
        }
    }

    /// The options these flags (and `download`'s or `rate`'s) describe; `fallback` is
    /// the concurrency when `--concurrency` is not given (sync's file). The
    /// concurrency is fitted to the open-file limit.
    func options(download: DownloadOptions? = nil, rate: RateLimitOption? = nil, fallback: Int? = nil) -> TransferOptions {
        var options = TransferOptions(stallTimeout: stallTimeout, retry: retry)
        options.concurrency = DescriptorBudget.fit(concurrency ?? fallback ?? TransferOptions.defaultConcurrency)
        if let download {
            options.parts = download.plan
            options.limitRate = download.bytesPerSecond
            options.checksFreeSpace = !download.noSpaceCheck
        }
        if let rate { options.limitRate = rate.bytesPerSecond }
        return options
    }
}
