import Foundation

/// A port on 127.0.0.1 that never answers: by default connecting hangs,
/// as with a host that is down behind a firewall (a listener with a
/// backlog of 0 that never accepts, whose one queue slot a connection of
/// its own fills, so the kernel drops every further handshake); with
/// `acceptingConnections`, connections are made (the kernel queues them)
/// but nothing is ever said on them, as with a hung server.
/// `close()` (or deinit) frees it.
public final class SilentPort: @unchecked Sendable {
    /// The port.
    public let port: Int
    private var descriptors: [Int32]

    public init(acceptingConnections: Bool = false) throws {
        let (listener, port) = try LoopbackSocket.listen(address: "127.0.0.1")
        self.port = port
        guard !acceptingConnections else {
            descriptors = [listener]
            return
        }
        // Shrink the queue: only the connection below fits.
        guard Foundation.listen(listener, 0) == 0 else { throw TestSupportError.system(call: "listen", errno: errno) }
        let filler = try LoopbackSocket.connect(address: "127.0.0.1", port: port, timeout: 1)
        descriptors = [listener, filler]
    }

    deinit { close() }

    /// `127.0.0.1:PORT`.
    public var host: String { "127.0.0.1:\(port)" }

    public func close() {
        for descriptor in descriptors { Foundation.close(descriptor) }
        descriptors = []
    }
}
