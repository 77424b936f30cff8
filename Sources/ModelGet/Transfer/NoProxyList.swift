import Foundation

/// `NO_PROXY` read as curl reads it (7.86 and later): names and addresses
/// separated by commas or spaces. `*` alone means every host. A name
/// matches itself and every name below it (`example.com` and
/// `.example.com` both match `example.com` and `www.example.com`, not
/// `badexample.com`), ignoring case. An address matches the same address
/// (`127.0.0.1`, `::1`, with or without brackets), and `ADDRESS/BITS`
/// matches every address in that block (`10.0.0.0/8`, `fd00::/8`). A
/// port in an entry is not supported (curl ignores such an entry too).
package struct NoProxyList: Sendable, Equatable {
    /// The entries as written, lower-cased, without empty ones.
    package let entries: [String]

    package init(_ text: String) {
        entries = text.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" })
            .map { $0.lowercased() }
    }

    /// True when requests to `host` (a name or an address, IPv6 with or
    /// without brackets) go straight to it, not through the proxy.
    package func bypasses(_ host: String) -> Bool {
        var name = host.lowercased()
        if name.hasPrefix("["), name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        if name.hasSuffix(".") { name.removeLast() }
        guard !name.isEmpty else { return false }
        let address = IPAddress(name)
        for entry in entries {
            if entry == "*" { return true }
            if let address {
                if address.matches(entry) { return true }
                continue
            }
            var domain = Substring(entry)
            if domain.hasPrefix(".") { domain = domain.dropFirst() }
            if domain.hasSuffix(".") { domain = domain.dropLast() }
            guard !domain.isEmpty else { continue }
            if name == domain || name.hasSuffix("." + domain) { return true }
        }
        return false
    }
}

/// An IPv4 or IPv6 address as its bytes, for `NO_PROXY` matching.
private struct IPAddress {
    let bytes: [UInt8]

    init?(_ text: String) {
        var text = text
        if text.hasPrefix("["), text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
            return
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            bytes = withUnsafeBytes(of: &v6) { Array($0) }
            return
        }
        return nil
    }

    /// True when `entry` is this address, or a `ADDRESS/BITS` block holding it.
    func matches(_ entry: String) -> Bool {
        let parts = entry.split(separator: "/", maxSplits: 1)
        guard let first = parts.first, let network = IPAddress(String(first)), network.bytes.count == bytes.count else { return false }
        var bits = bytes.count * 8
        if parts.count == 2 {
            guard let given = Int(parts[1]), (0...bits).contains(given) else { return false }
            bits = given
        }
        for index in 0..<bytes.count {
            let remaining = bits - index * 8
            if remaining <= 0 { break }
            let mask: UInt8 = remaining >= 8 ? 0xFF : UInt8(truncatingIfNeeded: 0xFF << (8 - remaining))
            if bytes[index] & mask != network.bytes[index] & mask { return false }
        }
        return true
    }
}
