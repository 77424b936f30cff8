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
