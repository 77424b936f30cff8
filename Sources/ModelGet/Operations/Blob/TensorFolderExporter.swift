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
        /// Where it is read from; set when the store does not hold the model.
        var sources: PullSources?

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
        if let stored = store.modelIfPresent(reference) {
            return TensorModelLayout.isTensorModel(stored.manifest) ? Resolved(manifest: stored.manifest, sources: nil) : nil
        }
        let sources = try router.sources(for: reference, insecure: insecure)
        let (_, manifest, _) = try await sources.resolveImage(platform: platform)
        return TensorModelLayout.isTensorModel(manifest) ? Resolved(manifest: manifest, sources: sources) : nil
    }

    /// Writes the folder at `directory`.
    public func export(_ resolved: Resolved, reference: Reference, to directory: String,
                       progress: TransferProgress = TransferProgress()) async throws -> DiffusersFolderWriter.Result {
        let model = reference.displayName
        if resolved.manifest.blobs.allSatisfy(store.hasBlob) {
            return try DiffusersFolderWriter(store: store).write(resolved.manifest, model: model, to: directory)
        }
        let sources = try resolved.sources ?? router.sources(for: reference, insecure: insecure)
        let source = keepInStore ? store : ModelStore(root: URL(fileURLWithPath: Self.scratchRoot(for: directory)))
        var pullOptions = options
        pullOptions.platform = platform
        // A failed pull keeps the scratch store for the next run to resume;
        // once pulled, it goes whether the folder could be written or not.
        _ = try await ModelPuller(store: source, options: pullOptions).pull(reference, sources: sources, progress: progress)
        defer { if !keepInStore { try? FileManager.default.removeItem(atPath: source.root.path) } }
        // The manifest as pulled (a tag may have moved since `resolve`).
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
