/// Media types of the model artifacts of Docker Model Runner
/// (docker/model-runner `pkg/distribution`) and CNCF ModelPack
/// (modelpack/model-spec `specs-go/v1`).
extension MediaType {
    public static let dockerModelConfigV01 = "application/vnd.docker.ai.model.config.v0.1+json"
    public static let dockerModelConfigV02 = "application/vnd.docker.ai.model.config.v0.2+json"
    /// One GGUF file; several in one manifest are the shards of a split GGUF, in order.
    public static let dockerGGUF = "application/vnd.docker.ai.gguf.v3"
    public static let dockerMultimodalProjector = "application/vnd.docker.ai.mmproj"
    public static let dockerLicense = "application/vnd.docker.ai.license"

    public static let modelPackManifest = "application/vnd.cncf.model.manifest.v1+json"
    public static let modelPackConfig = "application/vnd.cncf.model.config.v1+json"
    public static let modelPackRawWeight = "application/vnd.cncf.model.weight.v1.raw"
    /// The file name a ModelPack layer unpacks to.
    public static let modelPackFilePath = "org.cncf.model.filepath"
    /// The names ModelPack used before 2025-06-30.
    public static let legacyModelPackConfig = "application/vnd.cnai.model.config.v1+json"
    public static let legacyModelPackRawWeight = "application/vnd.cnai.model.weight.v1.raw"
    public static let legacyModelPackFilePath = "org.cnai.model.filepath"

    /// True for the config types of Docker Model Runner and ModelPack.
    public static func isModelArtifactConfig(_ type: String) -> Bool {
        [dockerModelConfigV01, dockerModelConfigV02, modelPackConfig, legacyModelPackConfig].contains(type)
    }
}
