import Foundation

/// The POSIX socket calls the fixtures need, for IPv4 loopback only.
enum LoopbackSocket {
    /// A listening TCP socket on `address` (such as `127.0.0.2`), on
    /// `port` or, for 0, a free port the kernel picks. Returns the
    /// descriptor and the bound port.
    static func listen(address: String, port: Int = 0) throws -> (descriptor: Int32, port: Int) {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw TestSupportError.system(call: "socket", errno: errno) }
        do {
            var on: Int32 = 1
            setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &on, socklen_t(MemoryLayout<Int32>.size))
            var address = try socketAddress(address, port: port)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard bound == 0 else { throw TestSupportError.system(call: "bind", errno: errno) }
            guard Foundation.listen(descriptor, 128) == 0 else { throw TestSupportError.system(call: "listen", errno: errno) }
            return (descriptor, try boundPort(descriptor))
        } catch {
            close(descriptor)
            throw error
        }
    }

    /// A loopback port that was free a moment ago, for programs that bind
    /// their own socket (the registry). It is drawn from below the kernel's
    /// ephemeral range (32768 and up): a port the kernel picked for us could
    /// be handed to an outgoing connection before the program binds it.
    static func freePort(address: String = "127.0.0.1") throws -> Int {
        for _ in 0..<200 {
            let candidate = Int.random(in: 20000..<32768)
            if let (descriptor, port) = try? listen(address: address, port: candidate) {
                close(descriptor)
                return port
            }
        }
        throw TestSupportError.system(call: "bind", errno: EADDRINUSE)
    }

    /// A TCP connection to `address:port`, with send and receive timeouts.
    static func connect(address: String, port: Int, timeout: TimeInterval, receiveBuffer: Int32? = nil) throws -> Int32 {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw TestSupportError.system(call: "socket", errno: errno) }
        if var size = receiveBuffer {
            // Before connect, so the window the peer sees is small from the start.
            setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var limit = timeval(tv_sec: Int(timeout), tv_usec: Int((timeout - timeout.rounded(.down)) * 1_000_000))
        setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        do {
            var address = try socketAddress(address, port: port)
            let connected = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    Foundation.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            guard connected == 0 else { throw TestSupportError.system(call: "connect", errno: errno) }
            return descriptor
        } catch {
            close(descriptor)
            throw error
        }
    }

    /// Turns off Nagle's algorithm: each write leaves at once.
    static func noDelay(_ descriptor: Int32) {
        var on: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Sends all of `bytes`; never raises SIGPIPE.
    static func sendAll(_ bytes: Data, to descriptor: Int32) throws {
        try bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let sent = send(descriptor, buffer.baseAddress! + offset, buffer.count - offset, Int32(MSG_NOSIGNAL))
                if sent < 0 {
                    if errno == EINTR { continue }
                    throw TestSupportError.system(call: "send", errno: errno)
                }
                offset += sent
            }
        }
    }

    /// Up to `limit` bytes; empty at end of stream.
    static func receive(from descriptor: Int32, limit: Int = 64 << 10) throws -> Data {
        var buffer = Data(count: limit)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, limit, 0) }
            if count >= 0 { return buffer.prefix(count) }
            if errno != EINTR { throw TestSupportError.system(call: "recv", errno: errno) }
        }
    }

    private static func socketAddress(_ text: String, port: Int) throws -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, text, &address.sin_addr) == 1 else {
            throw TestSupportError.invalidArgument("IPv4 address \(text)")
        }
        return address
    }

    private static func boundPort(_ descriptor: Int32) throws -> Int {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let status = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard status == 0 else { throw TestSupportError.system(call: "getsockname", errno: errno) }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
