/// The media types that make a generated model an Ollama (Docker v2
/// schema 2) model or its OCI twin.
struct ModelFlavor: Sendable {
    /// The manifest media type.
    let manifest: String
    /// The config blob media type.
    let config: String
    /// Media types of the first layers, in order.
    let leadingLayers: [String]
    /// Media type of every layer after `leadingLayers`.
    let furtherLayers: String

    /// The media type of the layer at `index`.
    func layer(_ index: Int) -> String {
        index < leadingLayers.count ? leadingLayers[index] : furtherLayers
    }

    /// Ollama's own: Docker manifest and config, `vnd.ollama.image.*` layers
    /// (model first, then template, license, params, system, then projectors).
    static let ollama = ModelFlavor(
        manifest: "application/vnd.docker.distribution.manifest.v2+json",
        config: "application/vnd.docker.container.image.v1+json",
        leadingLayers: ["model", "template", "license", "params", "system"].map { "application/vnd.ollama.image." + $0 },
        furtherLayers: "application/vnd.ollama.image.projector"
    )

    /// Ollama's tensor LLMs (`TensorLLMShape`): template, license, params
    /// and six json files, then one `vnd.ollama.image.tensor` layer per tensor.
    static let ollamaTensorLLM = ModelFlavor(
        manifest: "application/vnd.docker.distribution.manifest.v2+json",
        config: "application/vnd.docker.container.image.v1+json",
        leadingLayers: ["template", "license", "params"].map { "application/vnd.ollama.image." + $0 }
            + Array(repeating: "application/vnd.ollama.image.json", count: 6),
        furtherLayers: "application/vnd.ollama.image.tensor"
    )

    /// OCI image manifest and config with plain tar layers, which skopeo
    /// accepts.
    static let oci = ModelFlavor(
        manifest: "application/vnd.oci.image.manifest.v1+json",
        config: "application/vnd.oci.image.config.v1+json",
        leadingLayers: [],
        furtherLayers: "application/vnd.oci.image.layer.v1.tar"
    )
}
