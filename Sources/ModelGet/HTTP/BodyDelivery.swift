import Foundation

/// How a body is carried: on a connection of its own (the parts of one
/// big blob: one TCP stream each, not streams multiplexed on one), as the
/// host's `ConnectionChoice` says (small blobs), and under the operation's
/// rate limit.
public struct BodyDelivery: Sendable {
    /// Open (or reuse) an HTTP/1.1 connection that carries nothing else at
    /// the same time, instead of multiplexing on an HTTP/2 one.
    public var ownConnection: Bool
    /// When `ownConnection` is false: decides per host (nil: multiplex).
    public var connectionChoice: (any ConnectionChoice)?
    /// The byte budget per second this body shares with the whole operation.
    public var rateLimiter: RateLimiter?

    public init(ownConnection: Bool = false, connectionChoice: (any ConnectionChoice)? = nil, rateLimiter: RateLimiter? = nil) {
        self.ownConnection = ownConnection
        self.connectionChoice = connectionChoice
        self.rateLimiter = rateLimiter
    }

    /// True when a request for this body to `url` takes a connection of its own.
    package func ownsConnection(to url: URL) -> Bool {
        ownConnection || connectionChoice?.ownConnection(to: url) == true
    }
}

/// Decides, per host, whether a body takes an HTTP/1.1 connection of its
/// own or shares a multiplexed HTTP/2 one.
public protocol ConnectionChoice: Sendable {
    /// True when a request to `url` should take a connection of its own.
    func ownConnection(to url: URL) -> Bool
}
