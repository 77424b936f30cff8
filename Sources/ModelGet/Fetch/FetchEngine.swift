import Foundation
import Synchronization

/// The one engine every command that downloads blobs goes through (pull,
/// `blob` export, sync, copy, `verify --repair`): one request budget
/// (`TransferSlots`) that every blob and part of the operation shares, one
/// pool of part connections (`PartPlan.connectionsPerHost`), one byte rate
/// limit (`--limit-rate`), one `RetryPolicy`, one `PartPlan`, and one
/// `HostConnections` (how small blobs reach each host). Each blob
/// goes through `BlobDownloader` (probe, parts, CDN location reuse, stalls,
/// retries) into the store's `BlobWriter`.
package final class FetchEngine: Sendable {
    /// Requests in flight at once, across every blob of the operation.
    package let concurrency: Int
    let retry: RetryPolicy
    let plan: PartPlan
    let progress: TransferProgress
    private let slots: TransferSlots
    private let partConnections: TransferSlots
    private let rateLimiter: RateLimiter?
    /// Check the free space before the first byte of a download.
    let checksFreeSpace: Bool
    /// Which hosts' small blobs take connections of their own, learned once for the operation.
    private let hostConnections = HostConnections()

    /// An engine for one operation; `limitRate` is bytes per second across
    /// every connection (nil: no limit).
    package init(concurrency: Int, retry: RetryPolicy = RetryPolicy(), parts: PartPlan = PartPlan(),
                limitRate: Int64? = nil, checksFreeSpace: Bool = true, progress: TransferProgress = TransferProgress()) {
        self.checksFreeSpace = checksFreeSpace
        self.concurrency = max(1, concurrency)
        self.retry = retry
        self.plan = parts
        self.progress = progress
        self.slots = TransferSlots(concurrency)
        self.partConnections = TransferSlots(parts.connectionsPerHost)
        self.rateLimiter = limitRate.map { RateLimiter(bytesPerSecond: $0) }
    }

    /// Fetches `descriptor`'s blob from `sources` (mirrors, then the
    /// registry) into `lease`'s store, verified, unless it is in place;
    /// returns once it is.
    func download(_ descriptor: Descriptor, from sources: PullSources, under lease: StoreLease) async throws {
        try checkFreeSpace(for: [descriptor], in: lease.store)
        try await downloader(sources, lease).download(descriptor)
    }

    /// Fetches each blob from `sources` (mirrors, then the registry) into
    /// `lease`'s store (see `download(_:under:eachOnItsOwn:)`); the first
    /// blob that fails ends the others.
    func download(_ descriptors: [Descriptor], from sources: PullSources, under lease: StoreLease) async throws {
        _ = try await download(descriptors.map { (blob: $0, sources: sources) }, under: lease, eachOnItsOwn: false)
    }

    /// Fetches each blob from the sources beside it (a pull's from its
    /// image's; sync's from the first model that names it) into `lease`'s
    /// store, at most `concurrency` at once, biggest first (a huge blob
    /// starts early instead of trailing at the end), the free space checked
    /// for all before the first byte; returns once every one is in place.
    /// Small blobs are made durable in batches (`CommitBatch`: one flush
    /// for many instead of an fsync each). With `eachOnItsOwn` a blob that
    /// fails does not stop the others, and the answer is why each failed
    /// one failed; without, the first failure ends the others and is thrown.
    func download(_ wanted: [(blob: Descriptor, sources: PullSources)], under lease: StoreLease,
                  eachOnItsOwn: Bool) async throws -> [Digest: any Error] {
        // Nothing to fetch (each model's copy after sync's fetch step, a pull of a stored model): no phase to show.
        guard !wanted.isEmpty else { return [:] }
        try checkFreeSpace(for: wanted.map(\.blob), in: lease.store)
        let batch = CommitBatch(limit: concurrency)
        let failures = BlobFailures()
        let ordered = wanted.sorted { $0.blob.size > $1.blob.size }
        // Big blobs get a line of their own on a display, from the start.
        for (blob, _) in ordered where blob.size >= plan.threshold {
            progress.track(blob.digest, size: blob.size)
        }
        do {
            try await forEachConcurrently(ordered, limit: concurrency) { blob, sources in
                var downloader = self.downloader(sources, lease)
                downloader.batch = batch
                do {
                    try await downloader.download(blob)
                } catch let error where eachOnItsOwn && !(error is CancellationError) {
                    failures.record(blob.digest, error)
                }
            }
            progress.phase = .syncing
            try await batch.finish()
        } catch {
            batch.abandon()
            throw error
        }
        return failures.all
    }

    /// What `descriptors` still lack must fit in `store`'s free space, unless the check is off.
    func checkFreeSpace(for descriptors: [Descriptor], in store: ModelStore) throws {
        if checksFreeSpace { try store.checkFreeSpace(for: descriptors) }
    }

    private func downloader(_ sources: PullSources, _ lease: StoreLease) -> BlobDownloader {
        BlobDownloader(sources: sources, lease: lease, retry: retry, progress: progress,
                       plan: plan, slots: slots, rateLimiter: rateLimiter, partConnections: partConnections,
                       hostConnections: hostConnections)
    }
}

/// Why each blob that failed to download failed, collected across tasks.
private final class BlobFailures: Sendable {
    private let errors = Mutex<[Digest: any Error]>([:])

    func record(_ digest: Digest, _ error: any Error) { errors.withLock { $0[digest] = error } }

    var all: [Digest: any Error] { errors.withLock { $0 } }
}
