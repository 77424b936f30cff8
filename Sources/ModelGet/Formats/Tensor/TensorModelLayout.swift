import Foundation

extension MediaType {
    /// One tensor as a standalone safetensors file (ollama's image-generation
    /// and safetensors models); the layer's `name` is `component/tensor`.
    package static let ollamaTensor = "application/vnd.ollama.image.tensor"
    /// A json file of the model's folder; the layer's `name` is its path.
    package static let ollamaJSON = "application/vnd.ollama.image.json"
}

/// The layers of an ollama tensor model sorted into what they are: tensor
/// layers grouped by component (`transformer/blocks.0.attn.q.weight` is
/// tensor `blocks.0.attn.q.weight` of component `transformer`) and json
/// files by path. Names come from the registry: a component or path that
/// could leave the output folder is refused.
package struct TensorModelLayout: Sendable {
    /// One tensor layer.
    package struct TensorLayer: Sendable {
        package var descriptor: Descriptor
        /// The folder the tensor belongs to; empty for a model without components.
        package var component: String
        /// The layer name without the component.
        package var name: String
        /// Older ollama kept a quantised weight's scale and bias in layers of
        /// their own, `<weight>_scale` and `<weight>_qbias`: for those, the
        /// weight's name.
        package var companionOf: String?
        /// The tensor's name in a safetensors file: `<weight>.scale` and
        /// `<weight>.bias` for those older companions, else `name`.
        package var outputName: String
    }

    /// One json layer.
    package struct JSONLayer: Sendable {
        package var descriptor: Descriptor
        /// Its path in the model folder, e.g. `vae/config.json`.
        package var path: String
    }

    package var tensorLayers: [TensorLayer]
    package var jsonLayers: [JSONLayer]

    /// Components in the order their first tensor appears.
    package var components: [String] {
        var seen: [String] = []
        for layer in tensorLayers where !seen.contains(layer.component) { seen.append(layer.component) }
        return seen
    }

    /// True when the manifest has tensor layers.
    package static func isTensorModel(_ manifest: ImageManifest) -> Bool {
        manifest.layers.contains { $0.mediaType == MediaType.ollamaTensor }
    }

    /// Sorts the layers of `manifest`; fails on a name that is no safe
    /// relative path.
    package init(manifest: ImageManifest, model: String) throws {
        tensorLayers = []
        jsonLayers = []
        for layer in manifest.layers {
            switch layer.mediaType {
            case MediaType.ollamaTensor:
                guard let name = layer.name, !name.isEmpty else {
                    throw ModelGetError.invalidTensorModel(model: model, reason: "tensor layer \(layer.digest) has no name")
                }
                let parts = name.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
                let component = parts.count == 2 ? String(parts[0]) : ""
                if !component.isEmpty { try Self.checkPath(component, model: model) }
                let tensor = String(parts.last!)
                tensorLayers.append(TensorLayer(descriptor: layer, component: component, name: tensor, companionOf: nil, outputName: tensor))
            case MediaType.ollamaJSON:
                guard let path = layer.name else {
                    throw ModelGetError.invalidTensorModel(model: model, reason: "json layer \(layer.digest) has no name")
                }
                try Self.checkPath(path, model: model)
                jsonLayers.append(JSONLayer(descriptor: layer, path: path))
            default:
                continue
            }
        }
        let names = Set(tensorLayers.map { $0.component + "/" + $0.name })
        for index in tensorLayers.indices {
            let layer = tensorLayers[index]
            for (suffix, renamed) in [("_scale", ".scale"), ("_qbias", ".bias")] where layer.name.hasSuffix(suffix) {
                let weight = String(layer.name.dropLast(suffix.count))
                guard names.contains(layer.component + "/" + weight) else { continue }
                tensorLayers[index].companionOf = weight
                tensorLayers[index].outputName = weight + renamed
            }
        }
    }

    /// Weights whose scale and bias are layers of their own (older ollama).
    package var weightsWithCompanionLayers: Set<String> {
        Set(tensorLayers.compactMap { layer in layer.companionOf.map { layer.component + "/" + $0 } })
    }

    /// The json layer at `path`.
    package func json(_ path: String) -> JSONLayer? {
        jsonLayers.first { $0.path == path }
    }

    /// A relative path of plain names: no empty, `.` or `..` part, no
    /// leading `/`, no control characters, at most 1,024 bytes.
    static func checkPath(_ path: String, model: String) throws {
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        let safe = !path.isEmpty && path.utf8.count <= 1024
            && parts.allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." && $0.utf8.count <= 255 }
            && !path.unicodeScalars.contains { $0.properties.generalCategory == .control }
        guard safe else {
            throw ModelGetError.invalidTensorModel(model: model, reason: "layer name \(SafetensorsHeader.quoted(path)) is not a safe relative path")
        }
    }
}
