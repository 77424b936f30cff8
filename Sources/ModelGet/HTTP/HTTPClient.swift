/// Receives a response body as it streams, on the transport's thread.
///
/// `begin` is called once, before the first byte, with the final
/// response's status and headers; returning false leaves the body to the
/// transport (kept in `HTTPResponse.body`). `write` may throw to abort the
/// transfer; the error is what `send` then throws.
public protocol ResponseBodySink: AnyObject {
    func begin(status: Int, headers: HTTPHeaders) throws -> Bool
    func write(_ bytes: UnsafeRawBufferPointer) throws
}

/// Counts bytes sent by an upload as they go.
public protocol UploadProgressObserver: AnyObject {
    func didSend(_ byteCount: Int)
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
