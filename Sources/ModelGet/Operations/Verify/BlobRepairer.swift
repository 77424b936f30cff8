/// Puts right the blobs `verify` found missing or corrupt: the bad file is
/// deleted, then the blob is fetched again from the registry of a model
/// that names it (through its mirrors with a router), verified and
/// written under the store lock like any pull.
public struct BlobRepairer: Sendable {
    public let store: ModelStore
    /// Where a model's blobs are read from: its mirrors, then its registry.
    public let router: SourceRouter
    public var insecure: Bool
    /// How the blobs are fetched again.
    public var transfer: TransferOptions

    public init(store: ModelStore, router: SourceRouter? = nil, insecure: Bool = false,
                transfer: TransferOptions = TransferOptions()) {
        self.store = store
        self.router = router ?? SourceRouter(stallTimeout: transfer.stallTimeout, retry: transfer.retry)
        self.insecure = insecure
        self.transfer = transfer
    }

    /// Repairs each problem in turn; returns the error for each one that
    /// could not be repaired (an empty list when all were).
    public func repair(_ problems: [BlobProblem], models: [StoredModel],
                       progress: TransferProgress = TransferProgress()) async -> [(BlobProblem, Error)] {
        progress.addTotal(bytes: problems.reduce(0) { $0 + $1.descriptor.size }, blobs: problems.count)
        let engine = transfer.engine(progress: progress)
        var failures: [(BlobProblem, Error)] = []
        for problem in problems {
            do {
                guard let owner = models.first(where: { $0.manifest.blobs.contains(problem.descriptor) }) else {
                    throw ModelGetError.modelNotFound(reference: problem.models.joined(separator: ", "))
                }
                try store.removeBlob(problem.descriptor.digest)
                try store.prepare()
                let sources = try router.sources(for: owner.reference, insecure: insecure)
                try await store.whileWriting { lease in try await engine.download(problem.descriptor, from: sources, under: lease) }
            } catch {
                failures.append((problem, error))
            }
        }
        return failures
    }
}
