/// The transport of a mirror's client: every request gives up connecting
/// after `connectTimeout` (2 s), so a mirror that is down costs about that
/// before the next source is asked, where a registry gets 30 s.
struct MirrorTransport: HTTPClient {
    let base: HTTPClient
    var connectTimeout: Double = 2

    func send(_ request: HTTPRequest, sink: ResponseBodySink?, uploadObserver: UploadProgressObserver?) async throws -> HTTPResponse {
        var request = request
        request.connectTimeout = min(request.connectTimeout, connectTimeout)
        return try await base.send(request, sink: sink, uploadObserver: uploadObserver)
    }
}
