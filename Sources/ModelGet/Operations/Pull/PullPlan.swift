import Foundation

/// What a pull would do, found without downloading a blob or writing
/// anything (`pull --dry-run`): the manifest it resolves to, the blobs the
/// store lacks, the bytes still to fetch, and the space free.
public struct PullPlan: Sendable {
    public var reference: Reference
    public var manifestDigest: Digest
    /// Every blob of the image.
    public var blobs: [Descriptor]
    /// The blobs the store does not hold.
    public var missing: [Descriptor]
    /// Bytes of the missing blobs that partial downloads already hold (kept by the pull).
    public var partialBytes: Int64
    /// Bytes free on the store's file system, when the system says.
    public var freeBytes: Int64?

    /// Bytes still to fetch.
    public var missingBytes: Int64 { missing.totalSize - partialBytes }

    /// False when the store's file system has less free space than the pull needs.
    public var fits: Bool { freeBytes.map { $0 >= missingBytes } ?? true }
}

extension ModelPuller {
    /// What pulling `reference` from `sources` would fetch: the manifest is
    /// resolved (mirrors first), nothing is downloaded or written.
    public func plan(_ reference: Reference, sources: PullSources) async throws -> PullPlan {
        let (fetched, manifest, _) = try await sources.resolveImage(platform: options.platform)
        let missing = manifest.blobs.filter { !store.hasBlob($0) }
        return PullPlan(reference: reference, manifestDigest: fetched.digest, blobs: manifest.blobs, missing: missing,
                        partialBytes: missing.reduce(0) { $0 + store.partialBytes(of: $1) }, freeBytes: store.availableBytes())
    }
}
