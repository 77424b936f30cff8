import Foundation

/// What a whole sync did.
public struct SyncReport: Sendable {
    public var outcomes: [SyncOutcome] = []
    /// Distinct blobs fetched and the bytes that crossed the network.
    public var blobsFetched = 0
    public var bytesTransferred: Int64 = 0
    /// Models removed by `--prune`, and what pruning freed.
    public var removed: [StoredModel] = []
    public var freedBytes: Int64 = 0

    public var failures: [SyncOutcome] { outcomes.filter { if case .failed = $0.status { true } else { false } } }
}
