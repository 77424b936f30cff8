import Foundation
import Synchronization

/// A small HTTP/1.1 server on a loopback address for tests: a thread per
/// connection, keep-alive, every request recorded.
///
/// Serves a fake CDN behind a redirect, the token service, and anything
/// else a test needs to answer by hand. Stops on `stop()` or when the last
/// reference goes away.
public final class LoopbackHTTPServer: Sendable {
    /// Answers one request.
    public typealias Handler = @Sendable (TestHTTPRequest) -> TestHTTPResponse

    /// The IPv4 loopback address it listens on.
    public let address: String
    /// The port it listens on.
    public let port: Int
    // The threads hold the core, not the server, so dropping the server
    // stops them.
    private let core: Core

    /// Starts listening on a free port of `address` (`127.0.0.1`, or
    /// another loopback address such as `127.0.0.2`).
    public init(address: String = "127.0.0.1", handler: @escaping Handler) throws {
        let (listener, port) = try LoopbackSocket.listen(address: address)
        self.address = address
        self.port = port
        core = Core(listener: listener, handler: handler)
        core.start()
    }

    deinit {
        core.stop()
    }

    /// `http://ADDRESS:PORT`.
    public var baseURL: URL {
        URL(string: "http://\(address):\(port)")!
    }

    /// Every request received so far, in arrival order.
    public var requests: [TestHTTPRequest] {
        core.state.withLock { $0.requests }
    }

    /// Stops accepting, closes open connections and waits (briefly) for
    /// their threads. Safe to call more than once.
    public func stop() {
        core.stop()
    }

    /// The listening socket, the open connections and the request log.
    private final class Core: Sendable {
        let listener: Int32
        let handler: Handler
        let state = Mutex(State())
        let threads = DispatchGroup()

        struct State {
            var requests: [TestHTTPRequest] = []
            var connections: Set<Int32> = []
            var stopped = false
        }

        init(listener: Int32, handler: @escaping Handler) {
            self.listener = listener
            self.handler = handler
        }

        func start() {
            threads.enter()
            Thread { [self] in
                acceptLoop()
                threads.leave()
            }.start()
        }

        func stop() {
            let alreadyStopped = state.withLock { state in
                defer { state.stopped = true }
                for descriptor in state.connections {
                    shutdown(descriptor, Int32(SHUT_RDWR))
                }
                return state.stopped
            }
            guard !alreadyStopped else { return }
            shutdown(listener, Int32(SHUT_RDWR))
            _ = threads.wait(timeout: .now() + 5)
            close(listener)
        }

        private func acceptLoop() {
            while true {
                let descriptor = accept(listener, nil, nil)
                if descriptor < 0 {
                    if errno == EINTR || errno == ECONNABORTED { continue }
                    return
                }
                let accepted = state.withLock { state in
                    guard !state.stopped else { return false }
                    state.connections.insert(descriptor)
                    return true
                }
                guard accepted else {
                    close(descriptor)
                    return
                }
                threads.enter()
                Thread { [self] in
                    serve(descriptor)
                    threads.leave()
                }.start()
            }
        }

        private func serve(_ descriptor: Int32) {
            var connection = HTTPConnection(descriptor: descriptor)
            connection.serve(
                record: { request in state.withLock { $0.requests.append(request) } },
                respond: handler
            )
            state.withLock { state in
                state.connections.remove(descriptor)
                close(descriptor)
            }
        }
    }
}
