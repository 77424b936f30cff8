import Foundation

/// Fetches one blob into the store: into `.modelget/partial/sha256-<hex>` (locked,
/// so two processes never write one file, and preallocated), as one stream
/// or, for a large blob, as ranged parts on connections of their own, as
/// many as `PartScheduler` finds worth it; resuming the ranges its
/// part state records from an earlier run, retrying per `RetryPolicy`, and
/// renamed to `sha256-<hex>` only once the hash of every byte (kept ones
/// re-hashed) matches.
struct BlobDownloader: Sendable {
    let client: RegistryClient
    let store: ModelStore
    let repository: String
    let retry: RetryPolicy
    let progress: TransferProgress
    var plan = PartPlan()
    /// The request budget shared with every other blob of the operation
    /// (no default: each caller decides what its blobs share).
    var slots: TransferSlots
    /// The operation's byte budget per second (`--limit-rate`), if any.
    var rateLimiter: RateLimiter? = nil
    /// Part connections shared by every big blob of the operation
    /// (`--max-connections-per-host`); nil: each blob's own bound only.
    var partConnections: TransferSlots? = nil

    /// Downloads the blob unless it is present; returns once it is in place.
    func download(_ descriptor: Descriptor) async throws {
        let digest = descriptor.digest
        let partial = store.partialPath(digest)
        let lock = try await PartialFileLock.acquire(partial, until: { store.hasBlob(descriptor) })
        guard let lock else {
            // Another process finished it while we waited.
            progress.addPresent(descriptor.size)
            progress.blobDone()
            return
        }
        defer { lock.release() }
        store.owner?.apply(fd: lock.fd)
        // A download ollama left is taken over rather than thrown away.
        try store.adoptOllamaPartial(digest, size: descriptor.size, into: lock.fd, path: partial)

        var discardedForMismatch = false
        while true {
            let blob = try PartialBlob.open(fd: lock.fd, path: partial, statePath: store.partialStatePath(digest), size: descriptor.size)
            progress.addPresent(blob.completed.count)
            let hasher = PrefixHasher(fd: lock.fd, path: partial, written: blob.completed)
            // Small blobs are cheap to fetch again: no periodic state for them.
            let checkpoints = descriptor.size >= plan.threshold ? periodicCheckpoints(of: blob) : nil
            do {
                try await fetchMissing(descriptor, into: blob, hasher: hasher)
                checkpoints?.cancel()
                await checkpoints?.value
            } catch {
                checkpoints?.cancel()
                await checkpoints?.value
                // Keep what arrived for the next run, even when cancelled.
                try? blob.checkpoint()
                throw error
            }
            guard let actual = try await hasher.finish(size: descriptor.size) else {
                throw ModelGetError.network(url: digest.description, reason: "bytes missing after every part finished")
            }
            if actual == digest.hex {
                try await BlockingIO.run {
                    try FileIO.fsync(lock.fd, path: partial)
                    try store.commitBlob(from: partial, digest: digest)
                }
                blob.removeState()
                progress.blobDone()
                return
            }
            progress.discard(descriptor.size)
            try blob.discard()
            if discardedForMismatch {
                throw ModelGetError.digestMismatch(digest: digest.description, actual: actual)
            }
            discardedForMismatch = true
        }
    }

    /// Records the part state every `checkpointInterval` while bytes
    /// arrive (so a Ctrl-C, `kill -9` or crash loses little), and every
    /// `durableEvery` records fsyncs it (so a power cut loses little more).
    private func periodicCheckpoints(of blob: PartialBlob) -> Task<Void, Never> {
        let interval = plan.checkpointInterval
        let durableEvery = plan.durableEvery
        return Task {
            var count = 0
            while true {
                do {
                    try await Task.sleep(nanoseconds: UInt64(interval * 1e9))
                } catch {
                    return
                }
                count += 1
                if count % durableEvery == 0 {
                    _ = try? await BlockingIO.run { try blob.durableCheckpoint() }
                } else {
                    try? blob.checkpoint()
                }
            }
        }
    }

    /// Fetches every range the partial file lacks.
    private func fetchMissing(_ descriptor: Descriptor, into blob: PartialBlob, hasher: PrefixHasher) async throws {
        let source = BlobSource(client: client, repository: repository, digest: descriptor.digest)
        let missing = blob.missing
        guard !missing.isEmpty else { return }
        let budget = FetchBudget(size: descriptor.size)
        let part = PartFetcher(source: source, blob: blob, hasher: hasher, retry: retry, progress: progress,
                               slots: slots, budget: budget, rateLimiter: rateLimiter)
        guard descriptor.size >= plan.threshold else {
            for range in missing {
                if try await part.fetch(PartClaim(range), acceptsWholeBody: true) { return }
            }
            return
        }
        // A small first part alone learns whether the server honours Range
        // (and resolves a redirect) before the others start.
        var parts = plan.parts(of: missing)
        let first = parts.removeFirst()
        let probe = first.lowerBound..<min(first.upperBound, first.lowerBound + Self.probeSize)
        if probe != first { parts.insert(probe.upperBound..<first.upperBound, at: 0) }
        if try await part.fetch(PartClaim(probe), acceptsWholeBody: true) { return }
        guard !parts.isEmpty else { return }

        let scheduler = PartScheduler(parts: parts, plan: plan, pool: partConnections, fetched: { budget.fetched })
        try await scheduler.run { claim in
            _ = try await part.fetch(claim, acceptsWholeBody: false, ownConnection: true,
                                     overloaded: { scheduler.overloaded() })
        }
    }

    /// The first request of a parted blob.
    static let probeSize: Int64 = 256 << 10
}
