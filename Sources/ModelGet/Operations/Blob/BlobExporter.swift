import Foundation

/// Exports one blob of a model (by default its weights) to a file or a
/// stream, verified. A blob the store holds is placed from there without
/// touching the network (a reflink, else a copy; a hard link only when
/// `hardLink` is set); otherwise it is downloaded with the pull engine
/// into `<dir>/.modelget-partial/` beside the file (so a second run
/// resumes) and renamed into place, and kept in the store only on request
/// (under the store lock until it is delivered: no manifest names it).
/// A stream's download collects in a private `mkdtemp` directory that is
/// removed afterwards. The file's directory must exist: it is never created.
/// A pinned `name:tag@sha256:X` is taken from the store only when the
/// stored manifest is X; otherwise manifest X comes from the registry, as
/// for any model the store lacks.
public struct BlobExporter: Sendable {
    public let store: ModelStore
    /// Where a model the store lacks is read from: its mirrors, then its registry.
    public let router: SourceRouter
    public var insecure: Bool
    public var platform: Platform
    /// Download into the store and keep the blob there.
    public var keepInStore: Bool
    /// Export a store blob as a hard link to it (writing to the export then
    /// changes the store's blob) where a reflink is impossible.
    public var hardLink: Bool
    /// How downloads go.
    public let transfer: TransferOptions

    public init(store: ModelStore, router: SourceRouter? = nil, insecure: Bool = false,
                platform: Platform = .current, keepInStore: Bool = false, hardLink: Bool = false,
                transfer: TransferOptions = TransferOptions()) {
        self.store = store
        self.router = router ?? SourceRouter(stallTimeout: transfer.stallTimeout, retry: transfer.retry)
        self.insecure = insecure
        self.platform = platform
        self.keepInStore = keepInStore
        self.hardLink = hardLink
        self.transfer = transfer
    }

    /// Exports `reference`'s blob chosen by `layer`, the manifest found first (`resolve`).
    public func export(_ reference: Reference, layer: LayerSelector = .weights, to destination: Destination,
                       progress: TransferProgress = TransferProgress()) async throws -> Result {
        // Before any request: where the file goes must exist.
        if case let .file(path) = destination { try Self.checkDirectory(of: path) }
        return try await export(reference, image: resolve(reference), layer: layer, to: destination, progress: progress)
    }

    /// The model's image manifest, found once for a whole command: the
    /// store's (a pin only when the stored manifest is X), else the first
    /// source's that has it, for `platform`.
    package func resolve(_ reference: Reference) async throws -> ResolvedImage {
        try await ResolvedImage.find(reference, in: store, router: router, insecure: insecure, platform: platform)
    }

    /// Exports the blob chosen by `layer` from `image` (`resolve`'s), with
    /// no further manifest request. The caller checked `destination`'s directory.
    package func export(_ reference: Reference, image: ResolvedImage, layer: LayerSelector, to destination: Destination,
                        progress: TransferProgress) async throws -> Result {
        let descriptor = try layer.select(in: image.manifest, model: reference.displayName)
        let sources = image.sources
        progress.addTotal(bytes: descriptor.size, blobs: 1)
        if store.hasBlob(descriptor) {
            progress.addPresent(descriptor.size)
            progress.blobDone()
        } else if keepInStore {
            try store.prepare()
            // Held from the download until the blob is delivered: no manifest
            // names it, so a prune meanwhile would take it for unused.
            let placement = try await store.whileWriting { lease in
                try await download(descriptor, of: reference, under: lease, sources: sources, progress: progress)
                return try deliver(descriptor, to: destination)
            }
            return Result(descriptor: descriptor, placement: placement, bytesTransferred: progress.transferredBytes)
        }
        if store.hasBlob(descriptor) {
            let placement = try deliver(descriptor, to: destination)
            return Result(descriptor: descriptor, placement: placement, bytesTransferred: progress.transferredBytes)
        }
        switch destination {
        case let .file(path):
            let staging = try StagingArea.beside(path)
            do {
                try await staging.store.whileWriting { lease in
                    try await download(descriptor, of: reference, under: lease, sources: sources, progress: progress)
                }
            } catch {
                staging.abandon(descriptor)
                throw error
            }
            try staging.deliver(descriptor, to: path)
        case let .stream(fd):
            let staging = try StagingArea.temporary()
            defer { staging.remove() }
            try await staging.store.whileWriting { lease in
                try await download(descriptor, of: reference, under: lease, sources: sources, progress: progress)
            }
            try staging.store.sendBlob(descriptor, to: fd, followingLinks: false)
        }
        return Result(descriptor: descriptor, placement: nil, bytesTransferred: progress.transferredBytes)
    }

    /// Downloads the blob into `lease`'s store.
    private func download(_ descriptor: Descriptor, of reference: Reference, under lease: StoreLease,
                          sources: PullSources?, progress: TransferProgress) async throws {
        let resolved = try sources ?? router.sources(for: reference, insecure: insecure)
        try await transfer.engine(progress: progress).download(descriptor, from: resolved, under: lease)
    }

    /// Puts a store blob at the destination, verified.
    private func deliver(_ descriptor: Descriptor, to destination: Destination) throws -> PlacementMethod {
        switch destination {
        case let .file(file):
            return try store.placeBlob(descriptor, at: file, allowHardLink: hardLink)
        case let .stream(fd):
            try store.sendBlob(descriptor, to: fd)
            return .copy
        }
    }

    /// Fails unless the directory `file` goes in exists (for a folder
    /// output `DIR/`, DIR's parent: the folder itself may be made).
    package static func checkDirectory(of file: String) throws {
        let directory = FilePlacement.directory(of: file)  // for `DIR/` too: its parent
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ModelGetError.fileSystem(path: directory, reason: "no such directory (modelget does not create it)")
        }
    }
}

extension BlobExporter {
    /// A model's image manifest and, when the store did not hold it, what
    /// the registry served: `PullSources.resolveImage`'s answer, so one
    /// command asks for the manifest once.
    package struct ResolvedImage: Sendable {
        /// The image manifest (an index already followed to the platform's entry).
        package var manifest: ImageManifest
        /// The manifest as the registry served it; nil from the store.
        package var fetched: FetchedManifest?
        /// The sources from the one that served it on; nil from the store.
        package var sources: PullSources?

        /// `reference`'s image: the one `store` holds (a pin `name@sha256:X`
        /// only when the stored manifest is X), else the first of `router`'s
        /// sources' that has it, for `platform`.
        static func find(_ reference: Reference, in store: ModelStore, router: SourceRouter, insecure: Bool,
                         platform: Platform) async throws -> ResolvedImage {
            if let stored = store.modelIfPresent(reference) {
                return ResolvedImage(manifest: stored.manifest, fetched: nil, sources: nil)
            }
            let (fetched, manifest, serving) = try await router.sources(for: reference, insecure: insecure).resolveImage(platform: platform)
            return ResolvedImage(manifest: manifest, fetched: fetched, sources: serving)
        }
    }

    /// Where an exported blob goes.
    public enum Destination: Sendable, Equatable {
        /// A file, written atomically (never left truncated under its name).
        case file(String)
        /// A file descriptor (standard output), sent only after verification.
        case stream(Int32)
    }

    /// What an export did.
    public struct Result: Sendable {
        /// The blob exported.
        public var descriptor: Descriptor
        /// How it was placed when it came from the store; nil when downloaded.
        public var placement: PlacementMethod?
        /// Bytes that crossed the network (0 when the store had the blob).
        public var bytesTransferred: Int64
    }
}
