import Foundation

/// What a sync will do: each listed model resolved (or why it could not
/// be), the blobs to fetch (each once, however many models need it), and
/// with `--prune` the stored models the list no longer names.
public struct SyncPlan: Sendable {
    /// One listed model.
    public struct Model: Sendable {
        public var entry: SyncFile.Entry
        /// The manifest the registry serves now; nil when resolving failed.
        public var fetched: FetchedManifest?
        public var manifest: ImageManifest?
        /// Why resolving failed.
        public var failure: String?
        /// The store already holds exactly this manifest and all its blobs.
        public var upToDate: Bool
        /// Its blobs the store lacks (some may be shared with other models).
        public var missing: [Descriptor]
        /// Where its blobs come from: the source that served the manifest, then the ones after it.
        var sources: PullSources?
    }

    public var models: [Model]
    /// Distinct blobs to fetch, biggest first.
    public var fetch: [Descriptor]
    /// Stored models the list does not name (only when pruning).
    public var removals: [StoredModel]

    /// Bytes to fetch.
    public var fetchBytes: Int64 { fetch.totalSize }
}
