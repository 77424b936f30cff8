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
        /// Set when the store does not hold the model.
        var client: RegistryClient?

        /// Tensor layers in the manifest.
        public var tensorLayers: Int { manifest.layers.filter { $0.mediaType == MediaType.ollamaTensor }.count }
    }

    public let store: ModelStore
    public var insecure: Bool
    public var platform: Platform
    public var keepInStore: Bool
    public var options: PullOptions

    public init(store: ModelStore, insecure: Bool = false, platform: Platform = .current, keepInStore: Bool = false,
                options: PullOptions = PullOptions()) {
        self.store = store
        self.insecure = insecure
        self.platform = platform
        self.keepInStore = keepInStore
        self.options = options
    }

    /// The model's manifest when it is a tensor model; nil otherwise.
    public func resolve(_ reference: Reference) async throws -> Resolved? {
        if let stored = store.modelIfPresent(reference) {
            return TensorModelLayout.isTensorModel(stored.manifest) ? Resolved(manifest: stored.manifest, client: nil) : nil
        }
        let client = try await RegistryClient.connect(to: reference, insecure: insecure, stallTimeout: options.transfer.stallTimeout,
                                                      retry: options.transfer.retry)
        let (_, manifest) = try await client.resolveImage(repository: reference.repository, reference: reference.manifestReference,
                                                          platform: platform)
        return TensorModelLayout.isTensorModel(manifest) ? Resolved(manifest: manifest, client: client) : nil
    }

    /// Writes the folder at `directory`.
    public func export(_ resolved: Resolved, reference: Reference, to directory: String,
                       progress: TransferProgress = TransferProgress()) async throws -> DiffusersFolderResult {
        let model = reference.displayName
        if resolved.manifest.blobs.allSatisfy(store.hasBlob) {
            return try DiffusersFolderWriter(store: store).write(resolved.manifest, model: model, to: directory)
        }
        let client: RegistryClient
        if let known = resolved.client { client = known } else {
            client = try await RegistryClient.connect(to: reference, insecure: insecure, stallTimeout: options.transfer.stallTimeout,
                                                      retry: options.transfer.retry)
        }
        let source = keepInStore ? store : ModelStore(root: URL(fileURLWithPath: Self.scratchRoot(for: directory)))
        var pullOptions = options
        pullOptions.platform = platform
        // A failed pull keeps the scratch store for the next run to resume;
        // once pulled, it goes whether the folder could be written or not.
        _ = try await ModelPuller(store: source, options: pullOptions).pull(reference, client: client, progress: progress)
        defer { if !keepInStore { try? FileManager.default.removeItem(atPath: source.root.path) } }
        // The manifest as pulled (a tag may have moved since `resolve`).
        let pulled = try source.model(reference).manifest
        return try DiffusersFolderWriter(store: source).write(pulled, model: model, to: directory)
    }

    /// `<parent>/.<name>.modelget-partial`, beside the folder.
    public static func scratchRoot(for directory: String) -> String {
        var path = directory
        while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        let name = (path as NSString).lastPathComponent
        return FilePlacement.directory(of: path) + "/." + name + ".modelget-partial"
    }
}
