import Foundation

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
    /// `lease`'s store, at most `concurrency` at once, biggest first (a huge blob starts early
    /// instead of trailing at the end); returns once every one is in place.
    /// Small blobs are made durable in batches (`CommitBatch`: one flush
    /// for many instead of an fsync each).
    func download(_ descriptors: [Descriptor], from sources: PullSources, under lease: StoreLease) async throws {
        // Nothing to fetch (each model's copy after sync's fetch step, a pull of a stored model): no phase to show.
        guard !descriptors.isEmpty else { return }
        try checkFreeSpace(for: descriptors, in: lease.store)
        let batch = CommitBatch(limit: concurrency)
        var downloader = downloader(sources, lease)
        downloader.batch = batch
        let ordered = descriptors.sorted { $0.size > $1.size }
        // Big blobs get a line of their own on a display, from the start.
        for descriptor in ordered where descriptor.size >= plan.threshold {
            progress.track(descriptor.digest, size: descriptor.size)
        }
        do {
            try await forEachConcurrently(ordered, limit: concurrency) { [downloader] in
                try await downloader.download($0)
            }
            progress.phase = .syncing
            try await batch.finish()
        } catch {
            batch.abandon()
            throw error
        }
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
