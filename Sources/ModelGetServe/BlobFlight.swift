import Foundation
import ModelGet
import Synchronization

/// One upstream fetch of one blob, shared by every client that asks for
/// it while it runs. Bytes arrive through the engine
/// (`RegistryClient.fetchBlob`) into a private file in the store's
/// `.modelget/tmp/`, hashed on the way; readers stream from that
/// file as it grows. The last byte is held back until the digest matched,
/// so no client ever gets a complete body that is wrong; then the file is
/// fsynced and renamed to `blobs/sha256-<hex>`. On any failure the file is
/// deleted and every reader fails (its connection is cut short).
final class BlobFlight: ResponseBodySink, Sendable {
    enum Outcome: Sendable, Equatable {
        case running
        case stored
        case failed(Failure)
    }

    /// Why a fetch failed: the upstream has no such blob, or anything else.
    enum Failure: Sendable, Equatable {
        case notFound
        case failed(String)
    }

    private struct State {
        var size: Int64?
        var sizeKnown = false
        var received: Int64 = 0
        var outcome = Outcome.running
        var fd: Int32 = -1
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    let digest: Digest
    private let store: ModelStore
    private let temporary: String
    private let state = Mutex(State())
    private let hasher = Mutex(SHA256Hasher())
    private let metrics: ServeMetrics

    init(digest: Digest, store: ModelStore, metrics: ServeMetrics) throws {
        self.digest = digest
        self.store = store
        self.metrics = metrics
        // `.tmp-<pid>` in the name: `modelget prune` removes it once this process is gone.
        try store.prepare()
        temporary = store.temporaryDirectory + "/\(digest.fileName).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let fd = open(temporary, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw ModelGetError.fileSystem(path: temporary, reason: String(cString: strerror(errno)))
        }
        state.withLock { $0.fd = fd }
    }

    // MARK: fetching

    /// Fetches the blob through `client`; returns when it is stored or failed.
    func run(client: RegistryClient, repository: String) async {
        do {
            _ = try await client.fetchBlob(repository: repository, digest: digest, sink: self)
            let (received, size, fd) = state.withLock { ($0.received, $0.size, $0.fd) }
            if let size, received != size {
                throw ModelGetError.sizeMismatch(digest: digest.description, expected: size, actual: received)
            }
            try digest.verify(actualHex: hasher.withLock { $0.finalizeHex() })
            guard fsync(fd) == 0 else { throw ModelGetError.fileSystem(path: temporary, reason: String(cString: strerror(errno))) }
            // Under the store lock, as every writer: a prune never runs mid-commit.
            try await store.whileWriting { [store, temporary, digest] in
                try store.prepare()
                try store.commitBlob(from: temporary, digest: digest)
            }
            finish(.stored)
        } catch let ModelGetError.http(status, _, _, _) where status == 404 {
            unlink(temporary)
            finish(.failed(.notFound))
        } catch ModelGetError.fileSystem, ModelGetError.diskFull {
            // A local failure: its paths are not the client's business.
            unlink(temporary)
            finish(.failed(.failed("the server could not store the blob")))
        } catch {
            unlink(temporary)
            finish(.failed(.failed("\(error)")))
        }
    }

    func begin(status: Int, headers: HTTPHeaders) throws -> Bool {
        guard (200..<300).contains(status) else { return false }
        let length = headers["Content-Length"].flatMap { Int64($0.trimmingCharacters(in: .whitespaces)) }
        let waiters = state.withLock { state in
            state.size = length
            state.sizeKnown = length != nil
            defer { state.waiters = [] }
            return state.waiters
        }
        waiters.forEach { $0.resume() }
        return true
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        let (fd, offset, size) = state.withLock { ($0.fd, $0.received, $0.size) }
        if let size, offset + Int64(bytes.count) > size {
            throw ModelGetError.sizeMismatch(digest: digest.description, expected: size, actual: offset + Int64(bytes.count))
        }
        var written = 0
        while written < bytes.count {
            let n = pwrite(fd, bytes.baseAddress! + written, bytes.count - written, off_t(offset + Int64(written)))
            guard n > 0 else { throw ModelGetError.fileSystem(path: temporary, reason: String(cString: strerror(errno))) }
            written += n
        }
        hasher.withLock { $0.update(bytes) }
        metrics.fetchedUpstream(Int64(bytes.count))
        let waiters = state.withLock { state in
            state.received += Int64(bytes.count)
            defer { state.waiters = [] }
            return state.waiters
        }
        waiters.forEach { $0.resume() }
    }

    private func finish(_ outcome: Outcome) {
        let waiters = state.withLock { state in
            state.outcome = outcome
            if case .stored = outcome, !state.sizeKnown {
                state.size = state.received
                state.sizeKnown = true
            }
            close(state.fd)
            state.fd = -1
            defer { state.waiters = [] }
            return state.waiters
        }
        waiters.forEach { $0.resume() }
    }

    // MARK: reading

    var outcome: Outcome { state.withLock { $0.outcome } }

    /// The blob's size, once the upstream told it (or, if it did not, once
    /// the blob is stored). Throws the upstream failure.
    func size() async throws -> Int64 {
        while true {
            let known: Int64?? = state.withLock { state in
                if case .failed = state.outcome { return .some(nil) }
                return state.sizeKnown ? .some(state.size) : nil
            }
            switch known {
            case let .some(size?): return size
            case .some(nil): throw failure()
            case nil: await waitForChange { !$0.sizeKnown && $0.outcome == .running }
            }
        }
    }

    /// Waits until bytes past `offset` may be read; returns how many bytes
    /// from the start may be (all once stored, else all but the last).
    func available(beyond offset: Int64) async throws -> Int64 {
        while true {
            let (outcome, readable) = state.withLock { state -> (Outcome, Int64) in
                let size = state.size ?? Int64.max
                return (state.outcome, state.outcome == .stored ? size : min(state.received, size - 1))
            }
            if case .failed = outcome { throw failure() }
            if readable > offset { return readable }
            if outcome == .stored { throw failure() }
            await waitForChange { state in
                let size = state.size ?? Int64.max
                return state.outcome == .running && min(state.received, size - 1) <= offset
            }
        }
    }

    /// A descriptor to read the bytes from (the caller closes it), or nil.
    func openForReading() -> Int32? {
        state.withLock { state in
            if state.fd >= 0 { return dup(state.fd) }
            if state.outcome == .stored {
                let fd = open(store.blobPath(digest), O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
                return fd >= 0 ? fd : nil
            }
            return nil
        }
    }

    /// The error for readers of a failed fetch.
    func failure() -> DistributionError {
        switch outcome {
        case .failed(.notFound): .blobUnknown(digest.description)
        case let .failed(.failed(reason)): .upstream(reason)
        default: .upstream("the fetch of \(digest) ended early")
        }
    }

    /// Suspends until the state changes, unless `stillWaiting` is already false.
    private func waitForChange(while stillWaiting: @escaping (State) -> Bool) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { state -> Bool in
                guard stillWaiting(state) else { return true }
                state.waiters.append(continuation)
                return false
            }
            if resumeNow { continuation.resume() }
        }
    }
}
