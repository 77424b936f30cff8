/// How a body is carried: on a connection of its own (the parts of one
/// big blob: one TCP stream each, not streams multiplexed on one), and
/// under the operation's rate limit.
public struct BodyDelivery: Sendable {
    /// Open (or reuse) an HTTP/1.1 connection that carries nothing else at
    /// the same time, instead of multiplexing on an HTTP/2 one.
    public var ownConnection: Bool
    /// The byte budget per second this body shares with the whole operation.
    public var rateLimiter: RateLimiter?

    public init(ownConnection: Bool = false, rateLimiter: RateLimiter? = nil) {
        self.ownConnection = ownConnection
        self.rateLimiter = rateLimiter
    }
}
