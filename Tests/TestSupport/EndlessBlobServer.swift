import Foundation
import Synchronization

/// An upstream registry that never stops sending a blob: it answers
/// `/v2/`, one manifest, and every blob GET with a body that goes on until
/// the client hangs up (claiming `Content-Length: 10 GiB`, or with no
/// length at all, chunk after chunk). Counts the body bytes it sent.
public final class EndlessBlobServer: Sendable {
    /// The port it listens on (127.0.0.1).
    public let port: Int
    private let listener: Int32
    private let manifest: Data
    private let manifestType: String
    private let claimsLength: Bool
    private let sent = Mutex<Int64>(0)

    /// Serves `manifest` (of `manifestType`) for any tag; `claimsLength`:
    /// blob answers claim 10 GiB, else they are chunked and never end.
    public init(manifest: Data, manifestType: String, claimsLength: Bool) throws {
        (listener, port) = try LoopbackSocket.listen(address: "127.0.0.1")
        self.manifest = manifest
        self.manifestType = manifestType
        self.claimsLength = claimsLength
        Thread { [self] in acceptLoop() }.start()
    }

    deinit { stop() }

    /// Body bytes sent so far.
    public var bytesSent: Int64 { sent.withLock { $0 } }

    /// Stops listening.
    public func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
    }

    private func acceptLoop() {
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return
            }
            Thread { [self] in
                serve(client)
                close(client)
            }.start()
        }
    }

    private func serve(_ client: Int32) {
        while let request = try? LoopbackSocket.receive(from: client), !request.isEmpty {
            let line = String(decoding: request.prefix { $0 != 0x0D }, as: UTF8.self)
            let path = line.split(separator: " ").dropFirst().first.map(String.init) ?? "/"
            if path.contains("/manifests/") {
                let head = "HTTP/1.1 200 OK\r\nContent-Type: \(manifestType)\r\nContent-Length: \(manifest.count)\r\n\r\n"
                guard (try? LoopbackSocket.sendAll(Data(head.utf8) + manifest, to: client)) != nil else { return }
            } else if path.contains("/blobs/") {
                let head = claimsLength ? "HTTP/1.1 200 OK\r\nContent-Length: \(10 << 30)\r\n\r\n" : "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                guard (try? LoopbackSocket.sendAll(Data(head.utf8), to: client)) != nil else { return }
                let chunk = Data(count: 64 << 10)
                let framed = claimsLength ? chunk : Data(String(chunk.count, radix: 16).utf8) + Data("\r\n".utf8) + chunk + Data("\r\n".utf8)
                while (try? LoopbackSocket.sendAll(framed, to: client)) != nil {
                    sent.withLock { $0 += Int64(chunk.count) }
                }
                return
            } else {
                guard (try? LoopbackSocket.sendAll(Data("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}".utf8), to: client)) != nil else { return }
            }
        }
    }
}
