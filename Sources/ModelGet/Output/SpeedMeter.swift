import Foundation

/// Transfer speed as the median of the rates between recent samples, so a
/// burst or a pause does not swing the number or the ETA.
public struct SpeedMeter: Sendable {
    private var samples: [(time: TimeInterval, bytes: Int64)] = []
    /// How far back samples count.
    public let window: TimeInterval

    public init(window: TimeInterval = 10) {
        self.window = window
    }

    /// Records the byte count seen at `time` (seconds, any epoch).
    public mutating func record(bytes: Int64, at time: TimeInterval) {
        samples.append((time, bytes))
        samples.removeAll { time - $0.time > window }
    }

    /// Bytes per second: the median of the per-interval rates, or nil
    /// before two samples.
    public var bytesPerSecond: Double? {
        guard samples.count >= 2 else { return nil }
        var rates: [Double] = []
        for (a, b) in zip(samples, samples.dropFirst()) where b.time > a.time {
            rates.append(Double(max(b.bytes - a.bytes, 0)) / (b.time - a.time))
        }
        guard !rates.isEmpty else { return nil }
        return SpeedMeter.median(rates)
    }

    /// Seconds left for `remaining` bytes at the median speed.
    public func eta(remaining: Int64) -> TimeInterval? {
        guard let speed = bytesPerSecond, speed > 0 else { return nil }
        return Double(max(remaining, 0)) / speed
    }

    /// The median of a non-empty list (mean of the middle two for even counts).
    public static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }
}
