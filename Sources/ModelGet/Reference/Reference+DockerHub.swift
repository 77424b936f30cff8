/// Docker Hub's names. References write it `docker.io` (as Docker does);
/// `index.docker.io` and `registry-1.docker.io` are the same registry and
/// are stored and shown as `docker.io`; its distribution API answers at
/// `registry-1.docker.io`. A one-part name there (`docker.io/alpine`) is
/// in `library`, as on Ollama's registry, which the parser's default
/// namespace already gives. Docker Model Runner's models are
/// `docker.io/ai/<name>`.
extension Reference {
    /// How references name Docker Hub.
    public static let dockerHub = "docker.io"
    /// Where Docker Hub's distribution API answers.
    public static let dockerHubAPI = "registry-1.docker.io"
    private static let dockerHubAliases: Set<String> = ["docker.io", "index.docker.io", "registry-1.docker.io"]

    /// The host a reference keeps: Docker Hub's aliases become `docker.io`.
    public static func canonicalHost(_ host: String) -> String {
        dockerHubAliases.contains(host.lowercased()) ? dockerHub : host
    }

    /// The host requests go to: `docker.io` becomes `registry-1.docker.io`.
    package static func apiHost(_ host: String) -> String {
        canonicalHost(host) == dockerHub ? dockerHubAPI : host
    }
}
