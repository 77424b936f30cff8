import Foundation

/// Carries out a `SyncPlan` as graph copies into the store. First the
/// fetch step: every missing blob of every model at once on one engine's
/// budget (`RegistrySource.fetchAhead` over the union: a blob several
/// models need fetched once, from the first that names it; one that fails
/// does not stop the others). Then each model is a `GraphCopy` from its
/// planned `RegistrySource` (the image the planner resolved, not fetched
/// again) to a `StoreDestination`, which finds its blobs held and writes
/// the manifest last; a blob the fetch step could not fetch fails its
/// models with its reason instead of being fetched again. Then the mirror
/// push, and the prune. One model failing does not stop the others.
public struct ModelSyncer: Sendable {
    public let store: ModelStore
    /// How every blob of every model is fetched (one budget for all).
    public var transfer: TransferOptions
    public var mirror: (any ModelMirror)?

    public init(store: ModelStore, transfer: TransferOptions = TransferOptions(), mirror: (any ModelMirror)? = nil) {
        self.store = store
        self.transfer = transfer
        self.mirror = mirror
    }

    public func run(_ plan: SyncPlan, file: SyncFile, progress: TransferProgress = TransferProgress()) async throws -> SyncReport {
        if file.mirror != nil, mirror == nil { throw ModelGetError.mirrorUnavailable }
        try store.prepare()
        // Held until the manifests name the blobs fetched: a prune meanwhile keeps them. Each
        // copy's `StoreDestination` takes the shared lock (and a lease) again inside this hold, never instead of it.
        var report = try await store.whileWriting { lease in try await fetchAndCopy(plan, file: file, under: lease, progress: progress) }
        for stored in plan.removals {
            report.freedBytes += try store.remove(stored.reference).freedBytes
            report.removed.append(stored)
        }
        if !plan.removals.isEmpty { report.freedBytes += try store.prune().freedBytes }
        return report
    }

    /// Fetches the planned blobs, then copies (and mirrors) each model.
    private func fetchAndCopy(_ plan: SyncPlan, file: SyncFile, under lease: StoreLease,
                              progress: TransferProgress) async throws -> SyncReport {
        // One engine (request budget, part connections, rate) for every blob and part of every model.
        let engine = transfer.engine(progress: progress)
        let sources = plan.models.map { model -> RegistrySource? in
            guard let fetched = model.fetched, let sources = model.sources else { return nil }
            return RegistrySource(reference: model.entry.reference, image: fetched, sources: sources, engine: engine, store: store)
        }
        var firstNeeding: [Digest: RegistrySource] = [:]
        for (model, source) in zip(plan.models, sources) {
            guard let source else { continue }
            for blob in model.missing where firstNeeding[blob.digest] == nil { firstNeeding[blob.digest] = source }
        }
        progress.addTotal(bytes: plan.fetchBytes, blobs: plan.fetch.count)
        let wanted = plan.fetch.compactMap { blob in firstNeeding[blob.digest].map { (blob: blob, source: $0) } }
        let failedBlobs = try await RegistrySource.fetchAhead(wanted, under: lease, engine: engine)
        var report = SyncReport(blobsFetched: plan.fetch.count - failedBlobs.count)
        for (model, source) in zip(plan.models, sources) {
            var outcome = SyncOutcome(reference: model.entry.reference, status: .upToDate)
            do {
                outcome.status = try await copy(model, from: source, failedBlobs: failedBlobs)
                if let target = file.mirror, let mirror {
                    let destination = target.destination(for: model.entry.reference)
                    try await mirror.push(model.entry.reference, to: destination, insecure: target.insecure, progress: TransferProgress())
                    outcome.mirroredTo = destination
                }
            } catch let error as SyncFailure {
                outcome.status = .failed(error.reason)
            } catch {
                outcome.status = .failed("\(error)")
            }
            report.outcomes.append(outcome)
        }
        report.bytesTransferred = progress.transferredBytes
        return report
    }

    /// The graph copy of one resolved model into the store: its blobs are
    /// held by now, so it places none and writes the manifest; an
    /// up-to-date model is left as it is (no manifest rewritten).
    private func copy(_ model: SyncPlan.Model, from source: RegistrySource?,
                      failedBlobs: [Digest: any Error]) async throws -> SyncOutcome.Status {
        guard let source else { throw SyncFailure(reason: model.failure ?? "not resolved") }
        if model.upToDate { return .upToDate }
        var copy = GraphCopy(concurrency: transfer.concurrency, mountFrom: nil, platforms: .one(model.entry.platform ?? .current))
        copy.failedAhead = failedBlobs
        // The sync's progress counted the fetch step; the copy's own counts only what it finds held.
        _ = try await copy.copy(from: source, to: StoreDestination(store: store, reference: model.entry.reference),
                                progress: TransferProgress())
        return .pulled
    }
}

/// A model that could not be synced, and why.
private struct SyncFailure: Error {
    var reason: String
}
