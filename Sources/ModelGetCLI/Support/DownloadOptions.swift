import ArgumentParser
import ModelGet

/// Flags of the commands that download (pull, blob, sync) that shape how
/// blobs come down: parts per big blob, connections, and a rate limit for
/// the whole operation.
struct DownloadOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Fix the number of parallel ranged parts per large blob (1: one stream per blob).",
        discussion: "Without it the count adapts: a big blob starts with \(PartPlan().parallelParts) connections and doubles them while the rate still rises; when its first 64 KiB came at memory speed, as from a LAN or loopback registry, it takes \(PartPlan.memorySpeedParts) and no more.",
        valueName: "n"))
    var parts: Int?

    @Option(name: .long, help: ArgumentHelp("Blobs of at least this many MiB are fetched as parallel parts.", valueName: "mib"))
    var partThreshold = Int(PartPlan().threshold >> 20)

    @Option(name: .long, help: ArgumentHelp("The most connections the ranged parts of big blobs use at once, all blobs together.", valueName: "n"))
    var maxConnectionsPerHost = PartPlan().maximumParts

    @OptionGroup var rate: RateLimitOption

    @Flag(name: .long, help: "Start without comparing the bytes still missing with the free space of the models directory.")
    var noSpaceCheck = false

    func validate() throws {
        guard partThreshold >= 1 else { throw ValidationError("--part-threshold must be at least 1") }
        do {
            try TransferOptions(parts: plan).validate()
        } catch {
            throw ValidationError("\(error)")
        }
    }

    /// The part plan these flags describe.
    var plan: PartPlan {
        var plan = PartPlan()
        plan.threshold = Int64(partThreshold) << 20
        plan.maximumParts = maxConnectionsPerHost
        if let parts {
            plan.parallelParts = parts
            plan.adaptive = false
        }
        return plan
    }

    /// Bytes per second for the whole operation, if limited.
    var bytesPerSecond: Int64? { rate.bytesPerSecond }
}
