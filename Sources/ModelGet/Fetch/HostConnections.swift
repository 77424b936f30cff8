import Foundation
import Synchronization

/// How the small blobs of one operation reach each host (`ConnectionChoice`):
/// each on an HTTP/1.1 connection of its own ("spread"), or as streams of
/// one HTTP/2 connection ("multiplexed"), measured, then chosen, once per
/// origin (libcurl multiplexes to a host only while no HTTP/1.1 connection
/// to it is open, so a choice cannot be taken back the other way):
///
/// - The operation's first blob scouts (`scoutOrWait`): the others wait
///   until its body has been judged (`judge`, or `scouted` when it ended
///   or failed first). Its requests go multiplexed.
/// - A host that answers blob GETs with a redirect (a registry sending
///   them to its CDN) is multiplexed: its answers carry no bytes.
/// - A host whose body arrives at memory speed on one connection
///   (`PathSpeed`, judged over the body's first `judgeWindow` or all of it:
///   a LAN or loopback server) is multiplexed, since one connection is not
///   its bottleneck. One whose body arrives slower, and any host the scout
///   did not decide, is spread: one connection may be exactly what the
///   path throttles (a cap per connection, or one TCP flow over a long or
///   lossy path), and spreading is never slower; connections are reused
///   and their TLS sessions resumed.
final class HostConnections: ConnectionChoice {
    private struct State {
        /// Decided origins (`scheme://host:port`): true when multiplexed.
        var multiplexed: [String: Bool] = [:]
        var scouting = false
        var scouted = false
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())

    /// How much of the scout's body is watched before its host is judged.
    static let judgeWindow: Duration = .milliseconds(50)

    func ownConnection(to url: URL) -> Bool {
        let origin = Self.origin(url)
        return state.withLock { state in
            state.multiplexed[origin].map { !$0 } ?? !state.scouting
        }
    }

    /// Before a blob is fetched: true when it is the scout (which must
    /// call `scouted` when done); otherwise waits while a scout runs.
    func scoutOrWait() async -> Bool {
        enum Step { case scout, go, wait }
        let step = state.withLock { state -> Step in
            if state.scouted { return .go }
            if state.scouting { return .wait }
            state.scouting = true
            return .scout
        }
        switch step {
        case .scout: return true
        case .go: return false
        case .wait:
            await withCheckedContinuation { continuation in
                let now = state.withLock { state -> Bool in
                    guard !state.scouted else { return true }
                    state.waiting.append(continuation)
                    return false
                }
                if now { continuation.resume() }
            }
            return false
        }
    }

    /// `url`'s host answered a blob GET with a redirect.
    func redirected(from url: URL) {
        decide(url, multiplexed: true)
    }

    /// The scout's body from `url` delivered `bytes` in `seconds` (first
    /// byte on): its host is decided, and the others go.
    func judge(_ url: URL, bytes: Int64, seconds: Double) {
        if let fast = PathSpeed.isMemorySpeed(bytes: bytes, seconds: seconds) { decide(url, multiplexed: fast) }
        scouted()
    }

    /// The scout is judged, done, or failed: the others go.
    func scouted() {
        let waiting = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.scouted = true
            state.scouting = false
            defer { state.waiting = [] }
            return state.waiting
        }
        waiting.forEach { $0.resume() }
    }

    private func decide(_ url: URL, multiplexed: Bool) {
        let origin = Self.origin(url)
        state.withLock { state in
            if state.multiplexed[origin] == nil { state.multiplexed[origin] = multiplexed }
        }
    }

    private static func origin(_ url: URL) -> String {
        (url.scheme?.lowercased() ?? "") + "://" + url.hostAndPort
    }
}
