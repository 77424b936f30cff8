import ArgumentParser
import ModelGet

/// `--retry-window`, for every command that moves bytes: how long the
/// other side may fail (refused, reset, stalled, 5xx, 429) with no byte
/// arriving before the command gives up; bytes that arrive start it afresh.
struct RetryWindowOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Give up once the registry has failed this long with no byte arriving, keeping what arrived (e.g. 2m, 90s, 1h; 0: no retries; default: \(ProgressFormat.duration(RetryPolicy.defaultWindow))).",
        valueName: "duration"))
    var retryWindow: String?

    func validate() throws {
        if let retryWindow, RetryPolicy.parseDuration(retryWindow) == nil {
            throw ValidationError("--retry-window wants a duration such as 2m, 90s or 1h, not \"\(retryWindow)\"")
        }
    }

    /// The retry policy with this window (the default one when not given).
    var policy: RetryPolicy {
        RetryPolicy(window: retryWindow.flatMap(RetryPolicy.parseDuration) ?? RetryPolicy.defaultWindow)
    }
}
