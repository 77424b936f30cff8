import Foundation

/// An image-generation tensor model made up by `TensorModelSeeder`, in the
/// shape ollama stores one: a Docker v2 manifest whose layers are one
/// safetensors blob per tensor (`application/vnd.ollama.image.tensor`,
/// named `component/tensor`) and the pipeline's json files
/// (`application/vnd.ollama.image.json`, named by path), with a ConfigV2
/// config. Besides the blobs it keeps what the tests check against: every
/// tensor's place in its blob, the json files and the figures `show` reports.
public struct GeneratedTensorModel: Sendable {
    /// One tensor as a diffusers folder holds it.
    public struct Tensor: Sendable {
        /// `text_encoder`, `transformer` or `vae`.
        public let component: String
        /// Its name inside the component's safetensors file (no component
        /// prefix; a quantised weight's scale and bias end `.scale`, `.bias`).
        public let name: String
        public let dtype: String
        public let shape: [Int64]
        /// The tensor layer (blob) whose data holds it.
        public let blob: URL
        /// Where its bytes start in that blob file, and how many there are.
        public let offset: Int64
        public let length: Int64
    }

    /// The manifest, config and blobs.
    public let model: GeneratedModel
    /// Every tensor, weights, scales and biases alike, in layer order.
    public let tensors: [Tensor]
    /// The json layers by path, byte for byte as stored.
    public let jsonFiles: [String: Data]
    /// `model_index.json` as diffusers wrote it, before ollama's edit.
    public let originalModelIndex: Data
    /// Parameters of the tensors before quantisation.
    public let parameterCount: Int64
    /// The quantisation of the quantised weights (`int4`) and its group size.
    public let quantType: String
    public let groupSize: Int
    /// Tensor layers per component.
    public let tensorLayers: [String: Int]
    /// The pipeline class (`architecture` in the stored model_index.json).
    public let architecture: String
    /// The ConfigV2 fields.
    public let capabilities: [String]
    public let requires: String

    /// Every dtype a tensor header names.
    public var dtypes: Set<String> { Set(tensors.map(\.dtype)) }
}
