import Foundation

/// Transfer speed over a sliding window of a few seconds: the bytes that
/// arrived within the window divided by the time they took. A burst or a
/// pause moves it only by its share of the window, and a rate that really
/// changes shows within one window (a median of short samples lagged far
/// behind a CDN's bursts).
package struct SpeedMeter: Sendable {
    private var samples: [(time: TimeInterval, bytes: Int64)] = []
    /// How far back samples count.
    package let window: TimeInterval
    /// The least time samples must span before a speed is given.
    package let minimumSpan: TimeInterval

    package init(window: TimeInterval = 5, minimumSpan: TimeInterval = 1) {
        self.window = window
        self.minimumSpan = minimumSpan
    }

    /// Records the byte count seen at `time` (seconds, any epoch). A count
    /// lower than the last (a transfer that started over) starts afresh.
    package mutating func record(bytes: Int64, at time: TimeInterval) {
        if let last = samples.last, bytes < last.bytes { samples.removeAll() }
        samples.append((time, bytes))
        // Keep one sample at or before the window's start, so the window is full.
        while samples.count > 2, time - samples[1].time >= window { samples.removeFirst() }
    }

    /// Bytes per second over the window, or nil until samples span `minimumSpan`.
    package var bytesPerSecond: Double? {
        guard let first = samples.first, let last = samples.last, last.time - first.time >= minimumSpan else { return nil }
        return Double(last.bytes - first.bytes) / (last.time - first.time)
    }

    /// Seconds left for `remaining` bytes at this speed; nil while nothing moves.
    package func eta(remaining: Int64) -> TimeInterval? {
        guard let speed = bytesPerSecond, speed > 0 else { return nil }
        return Double(max(remaining, 0)) / speed
    }
}
