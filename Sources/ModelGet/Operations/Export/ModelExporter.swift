import Foundation

/// Writes one stored model as an OCI image layout, a tar (`-o x.tar`) or a
/// directory: the graph copy from a `StoreSource` to an
/// `ImageLayoutTarDestination` or `ImageLayoutDirectoryDestination`. Its
/// manifest bytes as stored, config and layers, each blob re-hashed on the
/// way, `index.json` naming it by its full reference. The result appears
/// under its name only when complete.
public struct ModelExporter: Sendable {
    public let store: ModelStore

    public init(store: ModelStore) {
        self.store = store
    }

    /// Exports `reference` to `path`: a directory when `asDirectory`, else a tar file.
    public func export(_ reference: Reference, to path: String, asDirectory: Bool) async throws -> Result {
        // One member at a time: a tar is written in order.
        let copy = GraphCopy(concurrency: 1, mountFrom: nil, platforms: .one(.current))
        let source = StoreSource(store: store, reference: reference)
        let result = asDirectory
            ? try await copy.copy(from: source, to: ImageLayoutDirectoryDestination(reference: reference, path: path), progress: TransferProgress())
            : try await copy.copy(from: source, to: ImageLayoutTarDestination(reference: reference, path: path), progress: TransferProgress())
        // Counted as pull and import count them: the config and the layers, not the manifest.
        return Result(path: path, manifestDigest: try Digest(result.manifestDigest), blobs: result.blobs, bytes: result.totalBytes)
    }
}

extension ModelExporter {
    /// What an export wrote.
    public struct Result: Sendable {
        public var path: String
        public var manifestDigest: Digest
        /// The blobs the manifest names (the config and the layers, once each), as pull and import count them.
        public var blobs: Int
        /// Their bytes (the manifest not included).
        public var bytes: Int64
    }
}
