import Foundation
import Synchronization

/// SHA-256 over the contiguous written prefix of a blob whose parts arrive
/// out of order. Bytes written at the frontier are hashed straight from the
/// callback buffer; bytes of later parts are read back with `pread` on a
/// Dispatch thread once the frontier reaches them, so the engine thread
/// never waits for a long read and the hash is ready soon after the last
/// byte. A blob that arrived in order (every small one) is finished on the
/// caller's thread, with no hop.
final class PrefixHasher: Sendable {
    /// Bytes hashed per read-back step.
    static let readChunk: Int64 = 4 << 20

    private struct State {
        var hasher = SHA256Hasher()
        /// Bytes `0..<frontier` are hashed.
        var frontier: Int64 = 0
        /// Written beyond the frontier, not yet hashed.
        var pending = ByteRanges()
        /// A read-back owns the hasher; callbacks add to `pending` meanwhile.
        var catchingUp = false
        /// Bumped by `reset`; a read-back of an older generation stops.
        var generation = 0
        var failure: ModelGetError?
        /// `finish` calls waiting for a read-back to end.
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let fd: Int32
    private let path: String
    private let state = Mutex(State())

    /// A hasher for the file `fd`, whose `written` ranges hold bytes (kept
    /// from an earlier run) that are re-hashed in the background.
    init(fd: Int32, path: String, written: ByteRanges) {
        self.fd = fd
        self.path = path
        let start = state.withLock { state in
            state.pending = written
            return Self.startCatchUpIfReady(&state)
        }
        if let start { schedule(start) }
    }

    /// Reports bytes just written at `offset`.
    func didWrite(_ bytes: UnsafeRawBufferPointer, at offset: Int64) {
        let start = state.withLock { state -> Int? in
            if !state.catchingUp && offset == state.frontier {
                state.hasher.update(bytes)
                state.frontier += Int64(bytes.count)
            } else {
                state.pending.insert(offset..<(offset + Int64(bytes.count)))
            }
            return Self.startCatchUpIfReady(&state)
        }
        if let start { schedule(start) }
    }

    /// Forgets everything: the file is being rewritten from byte 0.
    func reset() {
        let waiters = state.withLock { state in
            state.generation += 1
            state.hasher = SHA256Hasher()
            state.frontier = 0
            state.pending = ByteRanges()
            state.failure = nil
            return Self.endCatchUp(&state)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Waits for a running read-back to end; returns the hex digest when
    /// the hashed prefix is `size` bytes long, else nil.
    func finish(size: Int64) async throws -> String? {
        while true {
            let result = state.withLock { state -> Result<String?, Error>? in
                if let failure = state.failure { return .failure(failure) }
                if state.catchingUp { return nil }
                guard state.frontier == size, state.pending.isEmpty else { return .success(nil) }
                return .success(state.hasher.finalizeHex())
            }
            if let result { return try result.get() }
            await withCheckedContinuation { (waiter: CheckedContinuation<Void, Never>) in
                let ended = state.withLock { state in
                    guard state.catchingUp else { return true }
                    state.waiters.append(waiter)
                    return false
                }
                if ended { waiter.resume() }
            }
        }
    }

    /// Marks the read-back as ended; returns the `finish` calls to wake.
    private static func endCatchUp(_ state: inout State) -> [CheckedContinuation<Void, Never>] {
        state.catchingUp = false
        defer { state.waiters = [] }
        return state.waiters
    }

    /// Marks a read-back as started when the pending bytes begin at the
    /// frontier; returns the generation to run it for.
    private static func startCatchUpIfReady(_ state: inout State) -> Int? {
        guard !state.catchingUp, let first = state.pending.first, first.lowerBound <= state.frontier else { return nil }
        state.catchingUp = true
        return state.generation
    }

    private func schedule(_ generation: Int) {
        DispatchQueue.global().async { [self] in catchUp(generation) }
    }

    /// Hashes pending bytes from the file while they continue the prefix.
    private func catchUp(_ generation: Int) {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: Int(Self.readChunk), alignment: 16)
        defer { buffer.deallocate() }
        while true {
            var waiters: [CheckedContinuation<Void, Never>] = []
            let step = state.withLock { state -> (SHA256Hasher, Int64, Int64)? in
                guard state.generation == generation else { return nil }
                state.pending.removeBelow(state.frontier)
                guard let first = state.pending.first, first.lowerBound == state.frontier else {
                    waiters = Self.endCatchUp(&state)
                    return nil
                }
                return (state.hasher, state.frontier, min(first.upperBound, state.frontier + Self.readChunk))
            }
            for waiter in waiters { waiter.resume() }
            guard let (hasher, start, end) = step else { return }
            do {
                try FileIO.readFully(fd, into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<Int(end - start)]), at: start, path: path)
            } catch {
                let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
                    guard state.generation == generation else { return [] }
                    state.failure = error as? ModelGetError ?? .fileSystem(path: path, reason: "\(error)")
                    return Self.endCatchUp(&state)
                }
                for waiter in waiters { waiter.resume() }
                return
            }
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<Int(end - start)]))
            state.withLock { state in
                guard state.generation == generation else { return }
                state.frontier = end
            }
        }
    }
}
