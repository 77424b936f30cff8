import ArgumentParser
import ModelGet

/// `--max-bytes`, for the commands that unpack archives (`extract`,
/// `import`): the most bytes the archive may unpack to, in total.
struct MaxBytesOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Refuse the archive once it has unpacked this many bytes in all (e.g. 20G, 800M, bytes).",
        discussion: "Default: the smaller of the space free where the bytes go and "
            + "\(ExpansionLimit.defaultRatio)× the compressed size plus \(ProgressFormat.bytes(ExpansionLimit.defaultAllowance)).",
        valueName: "size"))
    var maxBytes: String?

    func validate() throws {
        if let maxBytes, RateLimiter.parseRate(maxBytes) == nil {
            throw ValidationError("--max-bytes wants a positive size such as 20G, 800M or 1048576, not \"\(maxBytes)\"")
        }
    }

    /// The limit given, if any (the same units as `--limit-rate`: binary K, M, G).
    var bytes: Int64? { maxBytes.flatMap(RateLimiter.parseRate) }
}
