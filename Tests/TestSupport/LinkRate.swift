import Foundation
import Synchronization

/// A byte rate that senders share, as the connections of one path share
/// its link: each sender books its next chunk and is told when it may go.
/// Bookings are served in the order they are made, so connections that
/// take turns get equal shares. Used by `DelayRelay` for a per-connection
/// cap (one `LinkRate` per connection) and for a path cap (one for all).
public final class LinkRate: Sendable {
    /// Bytes per second.
    public let bytesPerSecond: Double
    /// Time the link may catch up after a late wake-up (a burst allowance).
    private let slack: Double
    /// When the next byte may start, in `DelayRelay.now()` seconds.
    private let next = Mutex<Double>(0)

    /// A link of `bytesPerSecond`; a sender that wakes late may catch up
    /// by at most `slack` seconds' worth of bytes.
    public init(bytesPerSecond: Int64, slack: TimeInterval = 0.005) {
        self.bytesPerSecond = Double(max(1, bytesPerSecond))
        self.slack = slack
    }

    /// Books `count` bytes to start no earlier than `earliest`; returns
    /// when they may be sent.
    func book(_ count: Int, earliest: Double) -> Double {
        next.withLock { next in
            let start = max(next, earliest - slack)
            next = start + Double(count) / bytesPerSecond
            return max(start, earliest)
        }
    }
}
