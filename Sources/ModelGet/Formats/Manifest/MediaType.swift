/// Media types modelget reads and writes.
public enum MediaType {
    public static let dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
    public static let dockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
    public static let ociManifest = "application/vnd.oci.image.manifest.v1+json"
    public static let ociIndex = "application/vnd.oci.image.index.v1+json"
    public static let dockerConfig = "application/vnd.docker.container.image.v1+json"
    public static let ociConfig = "application/vnd.oci.image.config.v1+json"

    public static let ollamaModel = "application/vnd.ollama.image.model"
    public static let ollamaTemplate = "application/vnd.ollama.image.template"
    public static let ollamaLicense = "application/vnd.ollama.image.license"
    public static let ollamaParams = "application/vnd.ollama.image.params"
    public static let ollamaSystem = "application/vnd.ollama.image.system"
    public static let ollamaProjector = "application/vnd.ollama.image.projector"
    public static let ollamaAdapter = "application/vnd.ollama.image.adapter"

    /// Every manifest type, in the order sent in `Accept`.
    public static let manifestTypes = [dockerManifest, ociManifest, ociIndex, dockerManifestList]

    /// True for the two index types (OCI index, Docker manifest list).
    public static func isIndex(_ type: String) -> Bool { type == ociIndex || type == dockerManifestList }
}

extension MediaType {
    /// The layer types of a container image: a tar, plain or compressed
    /// (OCI, its non-distributable variants, and Docker's).
    public static let imageLayerTypes: Set<String> = [
        "application/vnd.oci.image.layer.v1.tar",
        "application/vnd.oci.image.layer.v1.tar+gzip",
        "application/vnd.oci.image.layer.v1.tar+zstd",
        "application/vnd.oci.image.layer.nondistributable.v1.tar",
        "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
        "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd",
        "application/vnd.docker.image.rootfs.diff.tar",
        "application/vnd.docker.image.rootfs.diff.tar.gzip",
        "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
    ]
}
