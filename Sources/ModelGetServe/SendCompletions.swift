import Synchronization

/// What runs once a `sendfile` body has really left (or failed): the
/// access-log line and the byte count, which must not be recorded when
/// Hummingbird merely hands the response over. Keyed by a number the
/// responder puts in the `FileRegionSender` marker.
final class SendCompletions: Sendable {
    private let pending = Mutex<(next: UInt64, actions: [UInt64: @Sendable (Int64) -> Void])>((1, [:]))

    /// Registers `action`; returns its key.
    func register(_ action: @escaping @Sendable (Int64) -> Void) -> UInt64 {
        pending.withLock { state in
            let key = state.next
            state.next += 1
            state.actions[key] = action
            return key
        }
    }

    /// Runs and forgets the action for `key` with the body bytes that went
    /// out (all of them, or those written before the connection failed).
    func finish(_ key: UInt64, bytes: Int64) {
        let action = pending.withLock { $0.actions.removeValue(forKey: key) }
        action?(bytes)
    }
}
