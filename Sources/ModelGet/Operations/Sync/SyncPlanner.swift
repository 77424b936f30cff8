import Foundation
import Synchronization

/// Resolves every model of a sync file against its registry and works out
/// what the store lacks.
public struct SyncPlanner: Sendable {
    public let store: ModelStore
    /// Where each model is read from: its mirrors, then its registry.
    public let router: SourceRouter

    public init(store: ModelStore, router: SourceRouter = SourceRouter()) {
        self.store = store
        self.router = router
    }

    /// Resolves the models (`concurrency` at once); a model that cannot be
    /// resolved is planned as failed, not thrown.
    public func plan(_ file: SyncFile, prune: Bool, concurrency: Int = 8) async throws -> SyncPlan {
        let resolved = ResolvedModels(count: file.models.count)
        let indexed = Array(file.models.enumerated())
        try await forEachConcurrently(indexed, limit: concurrency) { index, entry in
            resolved.set(index, await self.resolve(entry))
        }
        var models = resolved.all
        var fetch: [Descriptor] = []
        var planned = Set<Digest>()
        for index in models.indices {
            guard let manifest = models[index].manifest, let fetched = models[index].fetched else { continue }
            models[index].missing = manifest.blobs.filter { !store.hasBlob($0) }
            for blob in models[index].missing where planned.insert(blob.digest).inserted { fetch.append(blob) }
            let stored = store.modelIfPresent(models[index].entry.reference)
            models[index].upToDate = models[index].missing.isEmpty && stored?.manifestDigest == fetched.digest
        }
        var removals: [StoredModel] = []
        if prune {
            // Matched as the store finds names: each part ignoring case.
            let listed = Set(file.models.map { store.existingManifestPath($0.reference) ?? store.manifestPath($0.reference) })
            removals = try store.catalog().models.filter { !listed.contains($0.manifestPath) }
        }
        return SyncPlan(models: models, fetch: fetch.sorted { $0.size > $1.size }, removals: removals)
    }

    private func resolve(_ entry: SyncFile.Entry) async -> SyncPlan.Model {
        var model = SyncPlan.Model(entry: entry, upToDate: false, missing: [])
        do {
            let sources = try router.sources(for: entry.reference, insecure: entry.insecure)
            let (fetched, manifest, serving) = try await sources.resolveImage(platform: entry.platform ?? .current)
            model.fetched = fetched
            model.manifest = manifest
            model.sources = serving
        } catch {
            model.failure = "\(error)"
        }
        return model
    }
}

/// Results of concurrent resolves, by position in the list.
private final class ResolvedModels: Sendable {
    private let slots: Mutex<[SyncPlan.Model?]>

    init(count: Int) { slots = Mutex(Array(repeating: nil, count: count)) }

    func set(_ index: Int, _ model: SyncPlan.Model) { slots.withLock { $0[index] = model } }

    var all: [SyncPlan.Model] { slots.withLock { $0.compactMap { $0 } } }
}
