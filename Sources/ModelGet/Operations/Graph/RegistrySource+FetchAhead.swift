import Synchronization

extension RegistrySource {
    /// The fetch step of several copies into `lease`'s store, before any
    /// of them runs (`sync`): each blob of `wanted` from the source beside it (the
    /// first copy that needs it), all on `engine` (the one the sources
    /// share: one request budget, part-connection pool and rate), biggest
    /// first, the free space checked for them all before the first byte.
    /// Unlike `fetchAhead(_:under:)`, a blob that fails does not stop the
    /// others: the answer is why each failed one failed, which the copies
    /// are then given (`GraphCopy.failedAhead`) so that none fetches it again.
    static func fetchAhead(_ wanted: [(blob: Descriptor, source: RegistrySource)], under lease: StoreLease,
                           engine: FetchEngine) async throws -> [Digest: any Error] {
        try engine.checkFreeSpace(for: wanted.map(\.blob), in: lease.store)
        let failures = BlobFailures()
        try await forEachConcurrently(wanted.sorted { $0.blob.size > $1.blob.size }, limit: engine.concurrency) { blob, source in
            do {
                try await engine.download(blob, from: source.sources, under: lease)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                failures.record(blob.digest, error)
            }
        }
        return failures.all
    }
}

/// Why each blob that failed to download failed, collected across tasks.
private final class BlobFailures: Sendable {
    private let errors = Mutex<[Digest: any Error]>([:])

    func record(_ digest: Digest, _ error: any Error) { errors.withLock { $0[digest] = error } }

    var all: [Digest: any Error] { errors.withLock { $0 } }
}
