import Foundation

/// `blob REF -o DIR/` for a tensor model: finds the manifest (store first,
/// else the registry), makes sure every blob is local, and has
/// `DiffusersFolderWriter` write the folder. Blobs the store lacks are
/// pulled with the pull engine into the store (`keepInStore`) or into a
/// scratch store beside the folder, `.<name>.modelget-partial/`, which a
/// second run resumes and a finished export removes.
public struct TensorFolderExporter: Sendable {
    /// A tensor model found, and where its manifest came from.
    public struct Resolved: Sendable {
        public var manifest: ImageManifest
        /// The manifest as the registry served it and where it is read
        /// from; set when the store does not hold the model.
        var fetched: FetchedManifest?
        var sources: PullSources?

        /// `image` when it is a tensor model; nil otherwise.
        package init?(tensorModel image: BlobExporter.ResolvedImage) {
            guard TensorModelLayout.isTensorModel(image.manifest) else { return nil }
            self.init(manifest: image.manifest, fetched: image.fetched, sources: image.sources)
        }

        private init(manifest: ImageManifest, fetched: FetchedManifest?, sources: PullSources?) {
            self.manifest = manifest
            self.fetched = fetched
            self.sources = sources
        }

        /// Tensor layers in the manifest.
        public var tensorLayers: Int { manifest.layers.filter { $0.mediaType == MediaType.ollamaTensor }.count }
    }

    public let store: ModelStore
    public var insecure: Bool
    public var platform: Platform
    public var keepInStore: Bool
    public var options: PullOptions
    /// Where a model the store lacks is read from (its mirrors, then its registry).
    public var router: SourceRouter

    public init(store: ModelStore, insecure: Bool = false, platform: Platform = .current, keepInStore: Bool = false,
                options: PullOptions = PullOptions(), router: SourceRouter? = nil) {
        self.store = store
        self.router = router ?? SourceRouter(stallTimeout: options.transfer.stallTimeout, retry: options.transfer.retry)
        self.insecure = insecure
        self.platform = platform
        self.keepInStore = keepInStore
        self.options = options
    }

    /// The model's manifest when it is a tensor model; nil otherwise.
    public func resolve(_ reference: Reference) async throws -> Resolved? {
        Resolved(tensorModel: try await .find(reference, in: store, router: router, insecure: insecure, platform: platform))
    }

    /// Writes the folder at `directory`.
    public func export(_ resolved: Resolved, reference: Reference, to directory: String,
                       progress: TransferProgress = TransferProgress()) async throws -> DiffusersFolderWriter.Result {
        let model = reference.displayName
        if resolved.manifest.blobs.allSatisfy(store.hasBlob) {
            return try DiffusersFolderWriter(store: store).write(resolved.manifest, model: model, to: directory)
        }
        let source = keepInStore ? store : ModelStore(root: URL(fileURLWithPath: Self.scratchRoot(for: directory)))
        var pullOptions = options
        pullOptions.platform = platform
        let puller = ModelPuller(store: source, options: pullOptions)
        // A failed pull keeps the scratch store for the next run to resume;
        // once pulled, it goes whether the folder could be written or not.
        if let fetched = resolved.fetched, let sources = resolved.sources {
            // The image `resolve` found: its manifest is not asked for again.
            _ = try await puller.pull(reference, image: fetched, sources: sources, progress: progress)
        } else {
            // A stored model missing blobs: its manifest from the registry.
            _ = try await puller.pull(reference, sources: router.sources(for: reference, insecure: insecure), progress: progress)
        }
        defer { if !keepInStore { try? FileManager.default.removeItem(atPath: source.root.path) } }
        // The manifest as pulled (for a stored model, a tag may have moved on the registry).
        let pulled = try source.model(reference).manifest
        return try DiffusersFolderWriter(store: source).write(pulled, model: model, to: directory)
    }

    /// `<parent>/.<name>.modelget-partial`, beside the folder.
    package static func scratchRoot(for directory: String) -> String {
        var path = directory
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        let name = (path as NSString).lastPathComponent
        return FilePlacement.directory(of: path) + "/." + name + ".modelget-partial"
    }
}
