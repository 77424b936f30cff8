import Foundation

/// The body sink of an operation's scout (`HostConnections`): passes
/// everything to the blob's own sink and judges the host a body comes
/// from once `HostConnections.judgeWindow` of it arrived.
final class ScoutSink: ResponseBodySink {
    private let sink: ResponseBodySink
    private let connections: HostConnections
    /// The URL being asked: the registry's, then each redirect's target
    /// (set by `BlobSource` before each request).
    var url: URL?
    private var firstByte: ContinuousClock.Instant?
    private var bytes: Int64 = 0
    private var judged = false

    init(_ sink: ResponseBodySink, connections: HostConnections) {
        self.sink = sink
        self.connections = connections
    }

    var delivery: BodyDelivery { sink.delivery }

    func begin(status: Int, headers: HTTPHeaders) throws -> Bool {
        // Only a body the sink takes says anything; a redirect's or a 401's does not.
        let accepted = try sink.begin(status: status, headers: headers)
        if accepted { firstByte = .now }
        return accepted
    }

    func write(_ chunk: UnsafeRawBufferPointer) throws {
        try sink.write(chunk)
        bytes += Int64(chunk.count)
        if !judged, let url, let firstByte, case let elapsed = ContinuousClock.now - firstByte, elapsed >= HostConnections.judgeWindow {
            judged = true
            connections.judge(url, bytes: bytes, seconds: elapsed.seconds)
        }
    }

    /// Judges a body that ended within the window.
    func finish() {
        guard !judged, let url, let firstByte else { return }
        judged = true
        connections.judge(url, bytes: bytes, seconds: (ContinuousClock.now - firstByte).seconds)
    }
}
