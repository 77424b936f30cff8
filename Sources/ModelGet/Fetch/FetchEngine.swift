import Foundation

/// The one engine every command that downloads blobs goes through (pull,
/// `blob` export, sync, copy, `verify --repair`): one request budget
/// (`TransferSlots`) that every blob and part of the operation shares, one
/// pool of part connections (`PartPlan.connectionsPerHost`), one byte rate
/// limit (`--limit-rate`), one `RetryPolicy`, one `PartPlan`, and one
/// `HostConnections` (how small blobs reach each host). Each blob
/// goes through `BlobDownloader` (probe, parts, CDN location reuse, stalls,
/// retries) into the store's `BlobWriter`.
public final class FetchEngine: Sendable {
    /// Requests in flight at once, across every blob of the operation.
    public let concurrency: Int
    let retry: RetryPolicy
    let plan: PartPlan
    let progress: TransferProgress
    private let slots: TransferSlots
    private let partConnections: TransferSlots
    private let rateLimiter: RateLimiter?
    private let hostConnections = HostConnections()

    /// An engine for one operation; `limitRate` is bytes per second across
    /// every connection (nil: no limit).
    public init(concurrency: Int, retry: RetryPolicy = RetryPolicy(), parts: PartPlan = PartPlan(),
                limitRate: Int64? = nil, progress: TransferProgress = TransferProgress()) {
        self.concurrency = max(1, concurrency)
        self.retry = retry
        self.plan = parts
        self.progress = progress
        self.slots = TransferSlots(concurrency)
        self.partConnections = TransferSlots(parts.connectionsPerHost)
        self.rateLimiter = limitRate.map { RateLimiter(bytesPerSecond: $0) }
    }

    /// Fetches `descriptor`'s blob from `repository` on `client`'s registry
    /// into `store`, verified, unless it is in place; returns once it is.
    func download(_ descriptor: Descriptor, from client: RegistryClient, repository: String, into store: ModelStore) async throws {
        try await downloader(client, repository, store).download(descriptor)
    }

    /// Fetches each blob, at most `concurrency` at once, biggest first (a
    /// huge blob starts early instead of trailing at the end); returns once
    /// every one is in place. Small blobs are made durable in batches
    /// (`CommitBatch`: one flush for many instead of an fsync each).
    func download(_ descriptors: [Descriptor], from client: RegistryClient, repository: String, into store: ModelStore) async throws {
        let batch = CommitBatch(limit: concurrency)
        var downloader = downloader(client, repository, store)
        downloader.batch = batch
        do {
            try await forEachConcurrently(descriptors.sorted { $0.size > $1.size }, limit: concurrency) { [downloader] in
                try await downloader.download($0)
            }
            try await batch.finish()
        } catch {
            batch.abandon()
            throw error
        }
    }

    private func downloader(_ client: RegistryClient, _ repository: String, _ store: ModelStore) -> BlobDownloader {
        BlobDownloader(client: client, store: store, repository: repository, retry: retry, progress: progress,
                       plan: plan, slots: slots, rateLimiter: rateLimiter, partConnections: partConnections,
                       hostConnections: hostConnections)
    }
}
