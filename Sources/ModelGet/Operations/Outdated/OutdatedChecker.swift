import Foundation
import Synchronization

/// `modelget outdated`: compares each stored tag with what its registry
/// (through its mirrors, as a pull by tag would read it) names now, by
/// manifest digest only: a `HEAD` of the manifest, no blob (a registry
/// that refuses `HEAD` is asked with `GET`, a manifest, never a blob).
/// A model stored from an index holds its platform's manifest: it is
/// current while the tag's index lists it. A model stored by digest
/// (`sha256-<hex>` tag) is pinned, never outdated.
public struct OutdatedChecker: Sendable {
    public let store: ModelStore
    public let router: SourceRouter
    /// `--insecure`: plain HTTP and unverified TLS for every stored model's registry.
    public let insecure: Bool

    public init(store: ModelStore, router: SourceRouter = SourceRouter(), insecure: Bool = false) {
        self.store = store
        self.router = router
        self.insecure = insecure
    }

    /// One stored tag, checked.
    public struct Result: Sendable {
        public enum Status: Sendable, Equatable {
            case upToDate
            /// The tag names another manifest now.
            case outdated(remote: Digest)
            /// Stored by digest: what it names cannot change.
            case pinned
            case failed(String)
        }

        /// The stored name.
        public var reference: Reference
        /// The stored manifest's digest.
        public var stored: Digest
        public var status: Status
    }

    /// Checks `references` (each must be stored), or every stored model
    /// when nil; 8 registries asked at once; results in name order.
    public func check(_ references: [Reference]? = nil, concurrency: Int = 8) async throws -> [Result] {
        let models: [StoredModel]
        if let references {
            models = try references.map { try store.model($0) }
        } else {
            models = try store.catalog().models
        }
        let results = Mutex<[Result]>([])
        try await forEachConcurrently(models, limit: concurrency) { model in
            let result = await self.check(model)
            results.withLock { $0.append(result) }
        }
        return results.withLock { $0 }.sorted { $0.reference.description < $1.reference.description }
    }

    private func check(_ model: StoredModel) async -> Result {
        var result = Result(reference: model.reference, stored: model.manifestDigest, status: .upToDate)
        if let tag = model.reference.tag, tag.hasPrefix("sha256-"), (try? Digest("sha256:" + tag.dropFirst(7))) != nil {
            result.status = .pinned
            return result
        }
        do {
            let head = try await router.sources(for: model.reference, insecure: insecure).manifestHead()
            result.status = head.names(model.manifestDigest) ? .upToDate : .outdated(remote: head.digest)
        } catch {
            result.status = .failed("\(error)")
        }
        return result
    }
}
