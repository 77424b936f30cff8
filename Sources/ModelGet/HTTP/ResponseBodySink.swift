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
