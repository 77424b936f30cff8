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
