import Foundation

/// Fetches one blob into the store through its `BlobWriter` (which locks,
/// preallocates, hashes and commits), as one stream
/// or, for a large blob, as ranged parts on connections of their own, as
/// many as `PartScheduler` finds worth it; resuming the ranges its
/// part state records from an earlier run, retrying per `RetryPolicy`, and
/// renamed to `sha256-<hex>` only once the hash of every byte (kept ones
/// re-hashed) matches.
/// Made by `FetchEngine`, which holds what the blobs of an operation share.
struct BlobDownloader: Sendable {
    /// Where the blob's image is read from: mirrors, then its registry.
    let sources: PullSources
    /// The store lock of the store the blob goes into.
    let lease: StoreLease
    let retry: RetryPolicy
    let progress: TransferProgress
    let plan: PartPlan
    /// The request budget shared with every other blob of the operation.
    let slots: TransferSlots
    /// The operation's byte budget per second (`--limit-rate`), if any.
    let rateLimiter: RateLimiter?
    /// Part connections shared by every big blob of the operation
    /// (`--max-connections-per-host`).
    let partConnections: TransferSlots
    /// Which hosts' small blobs take connections of their own (shared by the operation).
    let hostConnections: HostConnections
    /// Where a small blob, once verified, waits to be made durable and
    /// named with others; nil: each blob fsynced and named on its own.
    var batch: CommitBatch? = nil

    /// Downloads the blob unless it is present; returns once it is in place.
    func download(_ descriptor: Descriptor) async throws {
        let digest = descriptor.digest
        let opened = try await lease.store.openBlobWriter(for: descriptor, under: lease) { [progress] isWaiting in
            progress.waiting(for: digest, isWaiting)
            if isWaiting { Diagnostics.verbose("waiting for another modelget pulling \(digest)") }
        }
        guard let writer = opened else {
            // Another process finished it while we waited.
            progress.addPresent(descriptor.size)
            progress.blobDone()
            progress.update(digest, .done)
            return
        }
        defer { writer.close() }
        let kept = writer.completed.count
        if kept > 0 {
            Diagnostics.verbose("resuming \(digest): \(ProgressFormat.binaryBytes(kept)) already here")
        }
        progress.addKept(kept)
        progress.update(digest, .transferring) { writer.completed.count }
        let source = BlobSource(sources: sources, digest: descriptor.digest, connections: hostConnections)
        var discardedForMismatch = false
        while true {
            // Small blobs are cheap to fetch again: no periodic state for them.
            let checkpoints = descriptor.size >= plan.threshold ? periodicCheckpoints(of: writer) : nil
            do {
                try await fetchMissing(descriptor, from: source, into: writer)
                checkpoints?.cancel()
                await checkpoints?.value
            } catch {
                checkpoints?.cancel()
                await checkpoints?.value
                // Keep what arrived for the next run, even when cancelled.
                try? writer.checkpoint()
                throw error
            }
            progress.update(digest, .verifying)
            // Counted as soon as its hash matches, not when a batch names it.
            let verified: @Sendable () -> Void = { [progress] in
                progress.blobDone()
                progress.update(digest, .syncing)
            }
            let outcome: BlobWriter.Commit
            if let batch, descriptor.size < plan.threshold {
                outcome = try await writer.commit(into: batch, verified: verified)
            } else {
                outcome = try await writer.commit(verified: verified)
                if outcome == .committed { progress.update(digest, .done) }
            }
            switch outcome {
            case .committed:
                return
            case let .mismatch(actual):
                progress.update(digest, .transferring)
                progress.discard(descriptor.size)
                try writer.discard()
                let blamed = source.blameMirrors()
                if !blamed.isEmpty {
                    // A mirror's wrong bytes: the next source is asked, without using up the one refetch.
                    sources.note("mirror \(blamed.joined(separator: ", ")) sent bytes for \(descriptor.digest) that hash to sha256:\(actual); "
                        + "discarded, reading it from the next source")
                    continue
                }
                if discardedForMismatch {
                    throw ModelGetError.digestMismatch(digest: descriptor.digest.description, actual: actual)
                }
                discardedForMismatch = true
                Diagnostics.verbose("\(digest): the bytes hash to sha256:\(actual); discarded, fetching it again")
            }
        }
    }

    /// Records the part state every `checkpointInterval`, and every
    /// `checkpointSpacing` bytes written (`BlobWriter.record(every:)`), so a
    /// Ctrl-C, `kill -9` or crash fetches little twice however fast the
    /// link; every `durableEvery` intervals fsyncs it (so a power cut loses
    /// little more). In between it starts the writeback of what arrived, so
    /// the fsync at commit does not wait for the whole blob to reach the disk.
    private func periodicCheckpoints(of writer: BlobWriter) -> Task<Void, Never> {
        let interval = plan.checkpointInterval
        let durableEvery = plan.durableEvery
        writer.record(every: plan.checkpointSpacing(size: writer.size))
        return Task {
            defer { writer.stopRecording() }
            var count = 0
            while true {
                do {
                    try await Task.sleep(nanoseconds: UInt64(interval * 1e9))
                } catch {
                    return
                }
                count += 1
                if count % durableEvery == 0 {
                    _ = try? await BlockingIO.run { try writer.durableCheckpoint() }
                } else {
                    try? writer.checkpoint()
                    _ = try? await BlockingIO.run { writer.startWriteback() }
                }
            }
        }
    }

    /// Fetches every range the partial file lacks.
    private func fetchMissing(_ descriptor: Descriptor, from source: BlobSource, into writer: BlobWriter) async throws {
        let missing = writer.missing
        guard !missing.isEmpty else { return }
        let budget = FetchBudget(size: descriptor.size)
        let part = PartFetcher(source: source, writer: writer, retry: retry, progress: progress,
                               slots: slots, budget: budget, rateLimiter: rateLimiter, connections: hostConnections)
        guard descriptor.size >= plan.threshold else {
            for range in missing {
                if try await part.fetch(PartClaim(range), acceptsWholeBody: true).wholeBody { return }
            }
            return
        }
        // A small first part alone learns whether the server honours Range
        // (and resolves a redirect) before the others start.
        var parts = plan.parts(of: missing)
        let first = parts.removeFirst()
        let probe = first.lowerBound..<min(first.upperBound, first.lowerBound + Self.probeSize)
        if probe != first { parts.insert(probe.upperBound..<first.upperBound, at: 0) }
        let probed = try await part.fetch(PartClaim(probe), acceptsWholeBody: true)
        if probed.wholeBody { return }
        guard !parts.isEmpty else { return }

        let scheduler = PartScheduler(parts: parts, plan: plan, start: plan.start(probeAtMemorySpeed: probed.atMemorySpeed),
                                      pool: partConnections, fetched: { budget.fetched })
        try await scheduler.run { claim in
            try await part.fetch(claim, acceptsWholeBody: false, ownConnection: true, overloaded: { scheduler.overloaded() })
        }
    }

    /// The first request of a parted blob.
    static let probeSize: Int64 = 64 << 10
}
