import Foundation
import TestSupport
import XCTest

/// The bench's network path (`DelayRelay`) and far registry (`FarRegistry`)
/// are test fixtures too: they must delay what they claim, count what they
/// claim, and leave no thread, socket, process or file behind.
final class FarPathFixtureTests: XCTestCase {
    /// Descriptors this process has open.
    private func openDescriptors() throws -> Int {
        try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count
    }

    /// An upstream that echoes every byte back on each connection.
    private func echoServer() throws -> (port: Int, stop: () -> Void) {
        let listener = try TestSocket.listen()
        Thread {
            while case let client = accept(listener.descriptor, nil, nil), client >= 0 {
                Thread {
                    var buffer = [UInt8](repeating: 0, count: 65536)
                    while case let count = recv(client, &buffer, buffer.count, 0), count > 0 {
                        guard send(client, buffer, count, Int32(MSG_NOSIGNAL)) == count else { break }
                    }
                    close(client)
                }.start()
            }
        }.start()
        return (listener.port, { shutdown(listener.descriptor, Int32(SHUT_RDWR)); close(listener.descriptor) })
    }

    func testTheFirstBytesCrossTheSetUpRoundTripAndEachWayAndRepliesComeBackAfterTheDelay() throws {
        let echo = try echoServer()
        defer { echo.stop() }
        let delay = 0.05
        let relay = try DelayRelay(upstreamPort: echo.port, path: DelayRelay.Path(oneWayDelay: delay))
        defer { relay.stop() }
        let socket = try TestSocket(port: relay.port)
        defer { socket.close() }
        let started = Date()
        try socket.send("ping")
        XCTAssertEqual(try socket.receive(count: 4), "ping")
        // The handshake's round trip, then one way there and one way back.
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(started), 4 * delay - 0.005)
        let again = Date()
        try socket.send("pong")
        XCTAssertEqual(try socket.receive(count: 4), "pong")
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(again), 2 * delay - 0.005)
        XCTAssertEqual(relay.counts.connections, 1)
        XCTAssertEqual(relay.counts.tlsHandshakes, 0, "plain bytes are no TLS handshake")
    }

    func testStoppingTheRelayLeavesNoSocketOrThreadBehind() throws {
        let echo = try echoServer()
        defer { echo.stop() }
        // One relay run first, so what the process opens once and keeps
        // (Dispatch's own descriptors) is not counted.
        let warmUp = try DelayRelay(upstreamPort: echo.port, path: DelayRelay.Path())
        let socket = try TestSocket(port: warmUp.port)
        try socket.send("hi")
        XCTAssertEqual(try socket.receive(count: 2), "hi")
        socket.close()
        warmUp.stop()
        let before = try openDescriptors()
        let relay = try DelayRelay(upstreamPort: echo.port, path: DelayRelay.Path(oneWayDelay: 0.01, connectionRate: 1 << 20))
        // Connections still open, one with bytes in flight, when it stops.
        let sockets = try (0..<4).map { _ in try TestSocket(port: relay.port) }
        try sockets[0].send(String(repeating: "x", count: 200_000))
        for socket in sockets.dropFirst() {
            try socket.send("hello")
            XCTAssertEqual(try socket.receive(count: 5), "hello")
        }
        XCTAssertEqual(relay.counts.open, 4)
        relay.stop()
        sockets.forEach { $0.close() }
        XCTAssertEqual(relay.counts.open, 0, "every connection ended")
        // The echo server closes its ends once the relay's are gone.
        let deadline = Date().addingTimeInterval(5)
        while try openDescriptors() != before && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
        XCTAssertEqual(try openDescriptors(), before, "every socket closed")
        XCTAssertThrowsError(try TestSocket(port: relay.port), "nothing listens any more")
    }

    /// Runs with a temporary directory of its own (`TMPDIR`, which the
    /// fixtures and their children use): what other tests make in the
    /// shared one meanwhile is not counted, so this runs with the others.
    func testTheFarRegistryStopsItsProcessesAndRemovesItsFiles() throws {
        let storage = FileManager.default.temporaryDirectory.appendingPathComponent("far-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: storage) }
        let ownTemporary = FileManager.default.temporaryDirectory.appendingPathComponent("far-tmp-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: ownTemporary, withIntermediateDirectories: true)
        let shared = ProcessInfo.processInfo.environment["TMPDIR"]
        setenv("TMPDIR", ownTemporary.path, 1)
        defer {
            if let shared { setenv("TMPDIR", shared, 1) } else { unsetenv("TMPDIR") }
            try? FileManager.default.removeItem(at: ownTemporary)
        }
        let before = Set(try FileManager.default.contentsOfDirectory(atPath: ownTemporary.path))
        let far = try FarRegistry(storage: storage, path: DelayRelay.Path(oneWayDelay: 0.005), workers: 1)
        let children = try childProcesses()
        XCTAssertTrue(children.contains("nginx"), "nginx runs: \(children)")
        XCTAssertTrue(children.contains("docker-registry"), "docker-registry runs: \(children)")
        // The fixtures' own directories (Foundation makes others of its own).
        let temporary = Set(try FileManager.default.contentsOfDirectory(atPath: ownTemporary.path))
            .subtracting(before).filter { $0.hasPrefix("modelget-") }
        XCTAssertTrue(temporary.contains(far.registry.directory.lastPathComponent), "\(temporary)")
        XCTAssertTrue(temporary.contains(far.tokens.directory.lastPathComponent), "\(temporary)")
        far.stop()
        XCTAssertFalse(try childProcesses().contains("nginx"))
        XCTAssertFalse(try childProcesses().contains("docker-registry"))
        let left = try FileManager.default.contentsOfDirectory(atPath: ownTemporary.path).filter { temporary.contains($0) }
        XCTAssertEqual(left, [], "its temporary directories are gone")
        XCTAssertThrowsError(try TestSocket(port: far.front.port))
        XCTAssertThrowsError(try TestSocket(port: far.cdn.port))
        XCTAssertTrue(FileManager.default.fileExists(atPath: storage.path), "the given storage stays")
    }

    /// The command names of this process's living children.
    private func childProcesses() throws -> [String] {
        let me = getpid()
        return try FileManager.default.contentsOfDirectory(atPath: "/proc").compactMap { entry -> String? in
            guard Int32(entry) != nil, let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")") else { return nil }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            // Fields after the name: state, ppid; a zombie is not living.
            guard fields.count > 1, fields[0] != "Z", Int32(fields[1]) == me else { return nil }
            return String(stat[stat.index(after: open)..<close])
        }
    }
}

/// A blocking TCP connection to 127.0.0.1, for talking to a relay by hand.
private struct TestSocket {
    let descriptor: Int32

    init(port: Int) throws {
        descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = Self.loopback(port)
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            Foundation.close(descriptor)
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    /// A listening socket on a free port.
    static func listen() throws -> (descriptor: Int32, port: Int) {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = loopback(0)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ready = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 && Foundation.listen(descriptor, 16) == 0 && getsockname(descriptor, $0, &length) == 0
            }
        }
        guard ready else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        return (descriptor, Int(UInt16(bigEndian: address.sin_port)))
    }

    private static func loopback(_ port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        return address
    }

    func send(_ text: String) throws {
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { Foundation.send(descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard sent > 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
            offset += sent
        }
    }

    /// Exactly `count` bytes, as text.
    func receive(count: Int) throws -> String {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: count)
        while bytes.count < count {
            let received = recv(descriptor, &buffer, count - bytes.count, 0)
            guard received > 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .ECONNRESET) }
            bytes += buffer[0..<received]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    func close() {
        Foundation.close(descriptor)
    }
}
