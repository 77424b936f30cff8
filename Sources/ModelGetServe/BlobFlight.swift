import Foundation
import ModelGet
import Synchronization

/// One upstream fetch of one blob, shared by every client that asks for
/// it while it runs. Bytes arrive through the engine
/// (`RegistryClient.streamBlob`: a cut transfer continues from the bytes
/// already written, within the retry window) into a private file in the store's
/// `.modelget/tmp/`, written and hashed by a `HashingFileWriter`; readers
/// stream from that file as it grows. The last byte is held back until the
/// digest matched, so no client ever gets a complete body that is wrong;
/// the file is fsynced and `ModelStore.adoptBlob` names it
/// `blobs/sha256-<hex>` once its hash is the digest. On any failure the file is
/// deleted and every reader fails (its connection is cut short). It never
/// writes more than the blob's declared size (a manifest's, else the
/// upstream's `Content-Length`, else `maximumSize`), nor more than the
/// store's file system has free: an endless body is cut and fails.
final class BlobFlight: ResumableSink, Sendable {
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
        /// Bytes of the current response to drop (a 200 that resent the start).
        var skip: Int64 = 0
        /// The most bytes the blob may take: its declared size, else `maximumSize`.
        var limit: Int64 = .max
        var outcome = Outcome.running
        /// Until the fetch ends, readers follow the writer's file.
        var writing = true
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    let digest: Digest
    private let store: ModelStore
    private let temporary: String
    private let writer: HashingFileWriter
    private let state = Mutex(State())
    private let metrics: ServeMetrics
    /// The size a manifest declared for the blob, if one did.
    private let declaredSize: Int64?
    /// The most bytes a blob no manifest declared may take.
    private let maximumSize: Int64

    /// Carried under serve's `--limit-rate` for upstream fetches, if any.
    let delivery: BodyDelivery

    init(digest: Digest, store: ModelStore, metrics: ServeMetrics, declaredSize: Int64? = nil,
         maximumSize: Int64 = .max, rateLimiter: RateLimiter? = nil) throws {
        delivery = BodyDelivery(rateLimiter: rateLimiter)
        self.digest = digest
        self.store = store
        self.metrics = metrics
        self.declaredSize = declaredSize
        self.maximumSize = maximumSize
        // `.tmp-<pid>` in the name: `modelget prune` removes it once this process is gone.
        try store.prepare()
        temporary = store.temporaryDirectory + "/\(digest.fileName).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        writer = try HashingFileWriter(creating: temporary, in: store)
    }

    // MARK: fetching

    /// Fetches the blob through `client`, retrying per `retry`; returns
    /// when it is stored or failed.
    func run(client: RegistryClient, repository: String, retry: RetryPolicy) async {
        do {
            try await client.streamBlob(repository: repository, digest: digest, size: declaredSize, into: self, retry: retry)
            let (received, size) = state.withLock { ($0.received, $0.size) }
            if let size, received != size {
                throw ModelGetError.sizeMismatch(digest: digest.description, expected: size, actual: received)
            }
            let hashed = try writer.finish()
            let blob = Descriptor(mediaType: "application/octet-stream", digest: digest, size: received)
            // Under the store lock, as every writer: a prune never runs mid-commit.
            let named = try await store.whileWriting { [store] lease in
                try store.prepare()
                return try store.adoptBlob(hashed, as: blob, under: lease)
            }
            // Put in place meanwhile (by a pull): this copy is not needed.
            if !named { unlink(temporary) }
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

    /// Bytes written so far, over every response.
    var delivered: Int64 { state.withLock { $0.received } }

    /// Readers come and go; the fetch goes on for the cache.
    var consumerGone: Bool { false }

    /// The size the manifest or the first response declared.
    var knownSize: Int64? { state.withLock { $0.sizeKnown ? $0.size : nil } }

    func begin(status: Int, headers: HTTPHeaders) throws -> Bool {
        guard status == 200 || status == 206 else { return false }
        let received = delivered
        var total: Int64?
        if status == 206 {
            guard let answer = headers["Content-Range"].flatMap(ContentRange.init), answer.start == received else {
                throw ModelGetError.network(url: digest.description, reason: "the upstream answered a resumed fetch with the wrong Content-Range")
            }
            total = answer.total
        } else {
            total = headers["Content-Length"].flatMap { Int64($0.trimmingCharacters(in: .whitespaces)) }
        }
        let bound = declaredSize ?? total ?? maximumSize
        if let total, total > bound {
            throw ModelGetError.sizeMismatch(digest: digest.description, expected: bound, actual: total)
        }
        if let free = store.availableBytes(), bound != .max, bound - received > free {
            throw ModelGetError.diskFull(path: store.root.path, needed: bound - received)
        }
        let waiters = state.withLock { state in
            state.skip = status == 206 ? 0 : received
            state.limit = bound
            if !state.sizeKnown, let size = declaredSize ?? total {
                state.size = size
                state.sizeKnown = true
            }
            defer { state.waiters = [] }
            return state.waiters
        }
        waiters.forEach { $0.resume() }
        return true
    }

    func write(_ whole: UnsafeRawBufferPointer) throws {
        let (offset, limit, dropped) = state.withLock { state -> (Int64, Int64, Int) in
            let dropped = Int(min(state.skip, Int64(whole.count)))
            state.skip -= Int64(dropped)
            return (state.received, state.limit, dropped)
        }
        let bytes = UnsafeRawBufferPointer(rebasing: whole[dropped...])
        if offset + Int64(bytes.count) > limit {
            throw ModelGetError.sizeMismatch(digest: digest.description, expected: limit, actual: offset + Int64(bytes.count))
        }
        try writer.append(bytes)
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
            writer.close()
            state.writing = false
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
            if state.writing { return dup(writer.fd) }
            guard state.outcome == .stored, let blob = try? store.openBlob(digest, followingLinks: false) else { return nil }
            defer { blob.close() }
            let fd = dup(blob.fd)
            return fd >= 0 ? fd : nil
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
