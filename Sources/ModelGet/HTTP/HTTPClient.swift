/// Receives a response body as it streams, on the transport's thread.
///
/// `begin` is called once, before the first byte, with the final
/// response's status and headers; returning false leaves the body to the
/// transport (kept in `HTTPResponse.body`). `write` may throw to abort the
/// transfer; the error is what `send` then throws.
public protocol ResponseBodySink: AnyObject {
    func begin(status: Int, headers: HTTPHeaders) throws -> Bool
    func write(_ bytes: UnsafeRawBufferPointer) throws
    /// How the transport should carry the body this sink receives.
    var delivery: BodyDelivery { get }
}

extension ResponseBodySink {
    /// By default: any connection, no rate limit.
    public var delivery: BodyDelivery { BodyDelivery() }
}

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

/// Counts bytes sent by an upload as they go.
public protocol UploadProgressObserver: AnyObject {
    func didSend(_ byteCount: Int)
    /// The byte budget per second the upload shares with the whole
    /// operation (`--limit-rate`); nil (the default): no limit.
    var rateLimiter: RateLimiter? { get }
}

extension UploadProgressObserver {
    public var rateLimiter: RateLimiter? { nil }
}

/// The transport the registry client talks to. The libcurl engine
/// implements it; tests may swap in another.
public protocol HTTPClient: Sendable {
    func send(_ request: HTTPRequest, sink: ResponseBodySink?, uploadObserver: UploadProgressObserver?) async throws -> HTTPResponse
}

extension HTTPClient {
    /// Sends a request whose whole response body is kept in memory.
    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        try await send(request, sink: nil, uploadObserver: nil)
    }
}
