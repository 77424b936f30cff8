import Foundation

/// What one response says about the path it came over: whether one
/// connection delivers at memory speed (a LAN or loopback server, where
/// more connections buy nothing and HTTP/2 multiplexing costs nothing), or
/// slower (a cap per connection, or one TCP flow over a long path, where
/// more connections pay). Judged from a body of at least `minimumSample`
/// bytes, from its first byte to its last: the time before the first
/// byte (a redirect, a handshake, the server's thinking) says nothing of
/// what a connection carries.
enum PathSpeed {
    /// Bodies smaller than this arrive in a burst or two and say nothing.
    static let minimumSample: Int64 = 64 << 10
    /// One connection carrying at least this many bytes per second is not
    /// what limits a download here (a 10 Gbit/s LAN, loopback): 64 KiB in
    /// a quarter of a millisecond. A gigabit LAN, or a connection capped at
    /// 64 MiB/s (measured: 64 KiB in 0.47–0.78 ms; a loopback registry's
    /// in 0.09–0.11 ms), is below it.
    static let memorySpeed: Double = 256 * 1_048_576

    /// True when `bytes` arriving in `seconds` (first byte to last) came at
    /// memory speed; nil when the sample is too small to tell.
    static func isMemorySpeed(bytes: Int64, seconds: Double) -> Bool? {
        guard bytes >= minimumSample else { return nil }
        return Double(bytes) >= memorySpeed * max(seconds, 0)
    }
}
