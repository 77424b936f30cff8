import Foundation

/// How a blob is split into ranged parts fetched in parallel.
public struct PartPlan: Sendable {
    /// Blobs at least this large are fetched as parallel `Range` requests;
    /// smaller ones as a single stream.
    public var threshold: Int64
    /// Bytes per part request; the part state advances a part at a time.
    public var partSize: Int64
    /// Parts of one blob in flight at once.
    public var parallelParts: Int
    /// The most time between two records of the part state (cheap: no fsync).
    public var checkpointInterval: TimeInterval
    /// Every this many records, the file is fsynced and the record made durable.
    public var durableEvery: Int

    public init(threshold: Int64 = 64 << 20, partSize: Int64 = 64 << 20, parallelParts: Int = 4,
                checkpointInterval: TimeInterval = 0.25, durableEvery: Int = 40) {
        self.threshold = threshold
        self.partSize = max(1, partSize)
        self.parallelParts = max(1, parallelParts)
        self.checkpointInterval = checkpointInterval
        self.durableEvery = max(1, durableEvery)
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
