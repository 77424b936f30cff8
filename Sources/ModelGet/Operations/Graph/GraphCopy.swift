import Foundation
import Synchronization

/// The one copy of a model between two endpoints (oras-go's `Copy(src,
/// dst)`): the root manifest is read; an index is narrowed to the image
/// for `platforms` (or, with `.all`, every image it names is read); every
/// blob of those images is made present at the destination — a source
/// that downloads into the destination's own store fetches all it lacks
/// at once (`fetchAhead`: one budget, one free-space check, small blobs
/// made durable together), the rest are placed biggest
/// first, `concurrency` at once — skipped when there, mounted from the
/// source's repository on the same registry, else sent from the bytes the
/// source gives (opened only then, released once placed); then the images'
/// manifests go up by digest, and the root last under the destination's
/// tag, so the destination never names what it does not hold. `pull`,
/// `push`, `copy`, `export`, `import` and `sync` run on it.
struct GraphCopy: Sendable {
    /// Which images of an index are copied.
    enum Platforms: Sendable {
        /// The one for this platform (`ImageIndex.entry(for:)`); the index
        /// itself is not copied, its image goes under the tag.
        case one(Platform)
        /// Every image, then the index itself (`copy --all-platforms`).
        case all
    }

    /// Blobs placed at once.
    let concurrency: Int
    /// Another repository of the destination's registry to mount from
    /// (`--mount-from`); else the mount rule (`mountSource`) decides.
    let mountFrom: String?
    let platforms: Platforms
    /// Blobs a fetch step before the copy tried and could not fetch, and
    /// why (`sync` fetches every model's blobs at once, then copies each
    /// model: `RegistrySource.fetchAhead(_:under:engine:)`): a store
    /// destination that lacks one fails the copy with its error instead of
    /// fetching it again, which would double the time an outage takes.
    var failedAhead: [Digest: any Error] = [:]

    /// Copies what `source` names to `destination`; the result counts the
    /// blobs (each digest once) and what happened to each.
    func copy(from source: some GraphSource, to destination: some GraphDestination,
              progress: TransferProgress) async throws -> PushResult {
        let (root, images) = try await graph(of: source)
        let pinned = destination.reference.digest
        if let pinned, pinned != root.digest, pinned != source.pinnedIndex {
            throw ModelGetError.digestMismatch(digest: pinned.description, actual: root.digest.hex)
        }
        let blobs = Self.blobs(of: images)
        let mount = Self.mountSource(explicit: mountFrom, source: source.reference, destination: destination.reference)
        return try await destination.whileOpen(mountFrom: mount) { open in
            progress.addTotal(bytes: blobs.reduce(0) { $0 + $1.size }, blobs: blobs.count)
            let tally = PushTally()
            var rest = blobs
            if let lease = open.storeLease {
                // What the store holds is counted before the first byte moves.
                let held = blobs.filter { lease.store.hasBlob($0) }
                try await place(held, from: source, to: open, mountFrom: mount, progress: progress, tally: tally)
                let heldDigests = Set(held.map(\.digest))
                let wanted = blobs.filter { !heldDigests.contains($0.digest) }
                if let failed = wanted.lazy.compactMap({ failedAhead[$0.digest] }).first { throw failed }
                let fetched = try await source.fetchAhead(wanted, under: lease)
                for blob in wanted where fetched.contains(blob.digest) { tally.record(.sent, size: blob.size) }
                rest = wanted.filter { !fetched.contains($0.digest) }
            }
            try await place(rest, from: source, to: open, mountFrom: mount, progress: progress, tally: tally)
            progress.phase = .writingManifest
            for image in images where image.digest != root.digest {
                try await open.putManifest(image, as: image.digest.description, mountFrom: mount)
            }
            let name = destination.reference.tag ?? pinned?.description ?? root.digest.description
            try await open.putManifest(root, as: name, mountFrom: mount)
            progress.phase = .done
            return tally.result(reference: destination.reference.description, manifestDigest: root.digest.description,
                                blobs: blobs, transferred: progress.transferredBytes)
        }
    }

    /// Places `blobs` at `destination`, biggest first (a huge blob starts
    /// early instead of trailing at the end), `concurrency` at once, each
    /// source blob opened only when the destination asks for its bytes.
    private func place(_ blobs: [Descriptor], from source: some GraphSource, to destination: some OpenGraphDestination,
                       mountFrom mount: String?, progress: TransferProgress, tally: PushTally) async throws {
        try await forEachConcurrently(blobs.sorted { $0.size > $1.size }, limit: concurrency) { blob in
            let opened = OpenedOnce { try await source.blob(blob) }
            defer { opened.release() }
            let outcome = try await destination.place(blob, mountFrom: mount, progress: progress) { try await opened.bytes() }
            tally.record(outcome, size: blob.size)
        }
    }

    /// The manifest put last, and the image manifests whose blobs are
    /// copied (the root itself when it is an image).
    private func graph(of source: some GraphSource) async throws -> (root: FetchedManifest, images: [FetchedManifest]) {
        let root = try await source.root()
        guard case let .index(index) = root.document else { return (root, [root]) }
        switch platforms {
        case let .one(platform):
            let image = try await Self.image(try index.entry(for: platform), of: source)
            return (image, [image])
        case .all:
            var images: [FetchedManifest] = []
            for entry in index.manifests {
                guard !MediaType.isIndex(entry.mediaType) else {
                    throw ModelGetError.invalidManifest(reason: "index entry \(entry.digest) is itself an index; modelget copies one level")
                }
                images.append(try await Self.image(entry, of: source))
            }
            return (root, images)
        }
    }

    private static func image(_ entry: Descriptor, of source: some GraphSource) async throws -> FetchedManifest {
        let image = try await source.manifest(entry)
        guard case .image = image.document else {
            throw ModelGetError.invalidManifest(reason: "index entry \(entry.digest) is not an image manifest")
        }
        return image
    }

    /// Every blob the images name, each digest once, in order of first mention.
    static func blobs(of images: [FetchedManifest]) -> [Descriptor] {
        var seen = Set<Digest>()
        var blobs: [Descriptor] = []
        for image in images {
            guard case let .image(manifest) = image.document else { continue }
            for blob in manifest.blobs where seen.insert(blob.digest).inserted { blobs.append(blob) }
        }
        return blobs
    }

    /// The one mount rule: `explicit` (`--mount-from`) when given, else
    /// the source's repository when it is another repository of the
    /// destination's registry; nil when that is the destination's own
    /// repository, or no mount is possible.
    static func mountSource(explicit: String?, source: Reference, destination: Reference) -> String? {
        let sameRegistry = source.host == destination.host
        let candidate = explicit ?? (sameRegistry ? source.repository : nil)
        return candidate == destination.repository ? nil : candidate
    }
}

/// One blob's bytes from a source, asked for at most once however often
/// a destination's retries call for them, and released once.
private final class OpenedOnce: Sendable {
    private let fetch: @Sendable () async throws -> SourcedBlob
    private let opened = Mutex<SourcedBlob?>(nil)

    init(_ fetch: @escaping @Sendable () async throws -> SourcedBlob) {
        self.fetch = fetch
    }

    /// Attempts of one blob run one after another, so two never open it together.
    func bytes() async throws -> StoredBlob {
        if let sourced = opened.withLock({ $0 }) { return sourced.bytes }
        let sourced = try await fetch()
        opened.withLock { $0 = sourced }
        return sourced.bytes
    }

    func release() {
        opened.withLock { $0.take() }?.release()
    }
}
