import Foundation

/// `::1` by a name that resolves to it alone, for tests of IPv6-only
/// registries: Debian's `/etc/hosts` names it `ip6-localhost` and
/// `ip6-loopback`. A machine whose `/etc/hosts` lacks those lines (a
/// container's generated one) gets them added, as root, once: they are the
/// ones Debian's installer writes.
public enum IPv6Loopback {
    /// A name that resolves only to `::1`, or nil when there is none and
    /// none can be added (then the caller skips).
    public static let name: String? = {
        let candidates = ["ip6-localhost", "ip6-loopback", "localhost6"]
        if let found = candidates.first(where: resolvesOnlyToLoopback) { return found }
        guard getuid() == 0, let handle = FileHandle(forUpdatingAtPath: "/etc/hosts") else { return nil }
        defer { try? handle.close() }
        let existing = (try? handle.readToEnd()).map { String(decoding: $0, as: UTF8.self) } ?? ""
        let line = (existing.isEmpty || existing.hasSuffix("\n") ? "" : "\n") + "::1     ip6-localhost ip6-loopback\n"
        guard (try? handle.seekToEnd()) != nil, (try? handle.write(contentsOf: Data(line.utf8))) != nil else { return nil }
        return resolvesOnlyToLoopback("ip6-localhost") ? "ip6-localhost" : nil
    }()

    /// True when `name` resolves to `::1` and to nothing else.
    static func resolvesOnlyToLoopback(_ name: String) -> Bool {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(name, nil, &hints, &list) == 0, let first = list else { return false }
        defer { freeaddrinfo(list) }
        var node: UnsafeMutablePointer<addrinfo>? = first
        var sawLoopback = false
        while let current = node {
            guard current.pointee.ai_family == AF_INET6, let address = current.pointee.ai_addr else { return false }
            let isLoopback = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer -> Bool in
                var bytes = pointer.pointee.sin6_addr
                return withUnsafeBytes(of: &bytes) { Array($0) } == Array(repeating: 0, count: 15) + [1]
            }
            guard isLoopback else { return false }
            sawLoopback = true
            node = current.pointee.ai_next
        }
        return sawLoopback
    }

    /// A port on `::1` that was free a moment ago (below the ephemeral range).
    public static func freePort() throws -> Int {
        for _ in 0..<200 {
            let candidate = Int.random(in: 20000..<32768)
            let descriptor = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
            guard descriptor >= 0 else { throw TestSupportError.system(call: "socket", errno: errno) }
            defer { close(descriptor) }
            var address = loopback(port: candidate)
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
            }
            if bound == 0 { return candidate }
        }
        throw TestSupportError.system(call: "bind", errno: EADDRINUSE)
    }

    /// True when something accepts a TCP connection on `[::1]:port`.
    public static func isListening(port: Int) -> Bool {
        let descriptor = socket(AF_INET6, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        var address = loopback(port: port)
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
        } == 0
    }

    private static func loopback(port: Int) -> sockaddr_in6 {
        var address = sockaddr_in6()
        address.sin6_family = sa_family_t(AF_INET6)
        address.sin6_port = in_port_t(UInt16(port).bigEndian)
        address.sin6_addr = in6addr_loopback
        return address
    }
}
