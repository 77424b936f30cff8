import Foundation

/// Which blob of a model to export.
public enum LayerSelector: Sendable, Equatable {
    /// The first layer of this media type.
    case mediaType(String)
    /// The config or layer with this digest.
    case digest(Digest)

    /// The model weights, `application/vnd.ollama.image.model`.
    public static let weights = LayerSelector.mediaType(MediaType.ollamaModel)

    /// The blob of `manifest` this selects; fails listing the media types
    /// the manifest has.
    public func select(in manifest: ImageManifest, model: String) throws -> Descriptor {
        let found: Descriptor?
        switch self {
        case let .mediaType(type): found = manifest.layers.first { $0.mediaType == type }
        case let .digest(digest): found = manifest.blobs.first { $0.digest == digest }
        }
        guard let found else {
            var types: [String] = []
            for layer in manifest.layers where !types.contains(layer.mediaType) { types.append(layer.mediaType) }
            let wanted: String
            switch self {
            case let .mediaType(type): wanted = "of media type \(type)"
            case let .digest(digest): wanted = digest.description
            }
            throw ModelGetError.noSuchLayer(model: model, wanted: wanted, available: types)
        }
        return found
    }
}
