import Foundation

/// How a large blob is split into ranged parts fetched in parallel, each
/// on a connection of its own.
public struct PartPlan: Sendable {
    /// Blobs at least this large are fetched as parallel `Range` requests;
    /// smaller ones as a single stream.
    public var threshold: Int64
    /// Bytes per part request; the part state advances a part at a time.
    public var partSize: Int64
    /// Parts of one blob in flight at once: the fixed count, or where the
    /// adaptive count starts.
    public var parallelParts: Int
    /// Add connections while the blob's rate still rises (up to
    /// `maximumParts`), and drop back when it stops rising or the server
    /// answers 429 or 503. When false, `parallelParts` is fixed.
    public var adaptive: Bool
    /// The most connections the parts of big blobs use at once, one blob
    /// or several together (`--max-connections-per-host`).
    public var maximumParts: Int
    /// A part is split for an idle connection (work stealing) only when
    /// both halves keep at least this many bytes.
    public var minimumSplit: Int64
    /// How often the adaptive count looks at the rate.
    public var adaptInterval: TimeInterval
    /// The most time between two records of the part state (cheap: no fsync).
    public var checkpointInterval: TimeInterval
    /// The most bytes written between two records, whichever comes first
    /// (a sixty-fourth of a smaller blob): at 400 MiB/s a quarter second is
    /// 100 MiB, which a `kill -9` would have fetched twice.
    public var checkpointBytes: Int64
    /// Every this many checkpoint intervals, the file is fsynced and the record made durable.
    public var durableEvery: Int

    public init(threshold: Int64 = 64 << 20, partSize: Int64 = 64 << 20, parallelParts: Int = 8,
                adaptive: Bool = true, maximumParts: Int = 16, minimumSplit: Int64 = 4 << 20,
                adaptInterval: TimeInterval = 0.1, checkpointInterval: TimeInterval = 0.25, checkpointBytes: Int64 = 32 << 20,
                durableEvery: Int = 40) {
        self.threshold = threshold
        self.partSize = max(1, partSize)
        self.parallelParts = max(1, parallelParts)
        self.adaptive = adaptive
        self.maximumParts = max(1, maximumParts)
        self.minimumSplit = max(1, minimumSplit)
        self.adaptInterval = adaptInterval
        self.checkpointInterval = checkpointInterval
        self.checkpointBytes = max(1, checkpointBytes)
        self.durableEvery = max(1, durableEvery)
    }

    /// The most connections a blob's parts may use.
    var connectionBound: Int { adaptive ? maximumParts : parallelParts }

    /// The most part connections of all big blobs of an operation at once
    /// (to one host: an operation pulls from one registry and its CDN).
    public var connectionsPerHost: Int { adaptive ? maximumParts : max(maximumParts, parallelParts) }

    /// How a blob's parts start, given what the probe's body said
    /// (`PathSpeed`): a fixed count as given; the adaptive count at
    /// `parallelParts`, growing while that pays; or, where one connection
    /// delivered at memory speed (a LAN or loopback server, where more
    /// connections only share the same cores and disk), `memorySpeedParts`
    /// and no growth (a 429 or 503 still halves it).
    func start(probeAtMemorySpeed: Bool?) -> (parts: Int, grows: Bool) {
        guard adaptive else { return (parallelParts, false) }
        if probeAtMemorySpeed == true { return (min(Self.memorySpeedParts, maximumParts), false) }
        return (min(parallelParts, maximumParts), true)
    }

    /// The connections a blob's parts use on a path whose one connection
    /// delivers at memory speed (measured on loopback: 4 as fast as any
    /// fixed count, 8 and 16 slower; bench/README.md, issue 24).
    public static let memorySpeedParts = 4

    /// The bytes between two records of a blob of `size` bytes' part state.
    func checkpointSpacing(size: Int64) -> Int64 {
        min(checkpointBytes, max(1 << 20, size / 64))
    }

    /// The missing ranges cut into parts of at most `partSize` bytes.
    func parts(of missing: [Range<Int64>]) -> [Range<Int64>] {
        var parts: [Range<Int64>] = []
        for range in missing {
            var start = range.lowerBound
            while start < range.upperBound {
                let end = min(start + partSize, range.upperBound)
                parts.append(start..<end)
                start = end
            }
        }
        return parts
    }
}
