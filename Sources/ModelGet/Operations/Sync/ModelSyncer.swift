import Foundation
import Synchronization

/// Carries out a `SyncPlan`: every missing blob through one engine with one
/// concurrency budget (a blob several models need is fetched once), each
/// model's manifest once its blobs are in place, the mirror push, and the
/// prune. One model failing does not stop the others.
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
        // Held until the manifests name the blobs fetched: a prune meanwhile keeps them.
        var report = try await store.whileWriting { lease in try await fetchAndSettle(plan, file: file, under: lease, progress: progress) }
        for stored in plan.removals {
            report.freedBytes += try store.remove(stored.reference).freedBytes
            report.removed.append(stored)
        }
        if !plan.removals.isEmpty { report.freedBytes += try store.prune().freedBytes }
        return report
    }

    /// Fetches the planned blobs, then writes (and mirrors) each model whose blobs are all in place.
    private func fetchAndSettle(_ plan: SyncPlan, file: SyncFile, under lease: StoreLease,
                                progress: TransferProgress) async throws -> SyncReport {
        let failedBlobs = try await fetch(plan, under: lease, progress: progress)
        var report = SyncReport(blobsFetched: plan.fetch.count - failedBlobs.count, bytesTransferred: progress.transferredBytes)
        for model in plan.models {
            var outcome = SyncOutcome(reference: model.entry.reference, status: .upToDate)
            do {
                outcome.status = try settle(model, failedBlobs: failedBlobs, under: lease)
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
        return report
    }

    /// Fetches every planned blob; returns why each failed one failed.
    private func fetch(_ plan: SyncPlan, under lease: StoreLease, progress: TransferProgress) async throws -> [Digest: String] {
        var sources: [Digest: SyncPlan.Model] = [:]
        for model in plan.models { for blob in model.missing where sources[blob.digest] == nil { sources[blob.digest] = model } }
        let jobs = plan.fetch.compactMap { blob in sources[blob.digest].map { (blob, $0) } }
        progress.addTotal(bytes: plan.fetchBytes, blobs: plan.fetch.count)
        let failures = BlobFailures()
        // One engine (request budget, part connections, rate) for every blob and part of every model.
        let engine = transfer.engine(progress: progress)
        try engine.checkFreeSpace(for: plan.fetch, in: store)
        try await forEachConcurrently(jobs, limit: engine.concurrency) { blob, source in
            guard let sources = source.sources else { return }
            do {
                try await engine.download(blob, from: sources, under: lease)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                failures.record(blob.digest, "\(error)")
            }
        }
        return failures.all
    }

    /// Writes the model's manifest when it resolved and all its blobs are in place.
    private func settle(_ model: SyncPlan.Model, failedBlobs: [Digest: String], under lease: StoreLease) throws -> SyncOutcome.Status {
        guard let fetched = model.fetched, let manifest = model.manifest else {
            throw SyncFailure(reason: model.failure ?? "not resolved")
        }
        if let failed = manifest.blobs.first(where: { failedBlobs[$0.digest] != nil }) {
            throw SyncFailure(reason: failedBlobs[failed.digest]!)
        }
        if model.upToDate { return .upToDate }
        try store.writeManifest(fetched.data, for: model.entry.reference, under: lease)
        return .pulled
    }
}

/// A model that could not be synced, and why.
private struct SyncFailure: Error {
    var reason: String
}

/// Why each blob that failed to download failed, collected across tasks.
private final class BlobFailures: Sendable {
    private let reasons = Mutex<[Digest: String]>([:])

    func record(_ digest: Digest, _ reason: String) { reasons.withLock { $0[digest] = reason } }

    var all: [Digest: String] { reasons.withLock { $0 } }
}
