/// A parsed model reference:
/// `[scheme://][host[:port]/][namespace/]name[:tag][@sha256:<hex>]`.
///
/// Ollama's defaults fill what is left out: host `registry.ollama.ai`,
/// namespace `library`, tag `latest`. Parsing never touches the network.
public struct Reference: Hashable, Sendable, CustomStringConvertible {
    /// The Ollama registry, used when a reference names no host.
    public static let defaultHost = "registry.ollama.ai"
    /// The namespace used when a reference names only a model.
    public static let defaultNamespace = "library"
    /// The tag used when a reference names neither tag nor digest.
    public static let defaultTag = "latest"

    /// `http` or `https` when the reference spelled it out, else nil.
    public var scheme: String?
    /// `host` or `host:port`.
    public var host: String
    /// The repository path between host and name, e.g. `library` or `org/team`.
    public var namespace: String
    /// The last path component of the repository.
    public var name: String
    /// The tag; `latest` when neither tag nor digest was given.
    public var tag: String?
    /// A manifest digest that pins the reference.
    public var digest: Digest?

    public init(scheme: String? = nil, host: String, namespace: String, name: String, tag: String?, digest: Digest?) {
        self.scheme = scheme
        self.host = host
        self.namespace = namespace
        self.name = name
        self.tag = tag
        self.digest = digest
    }

    /// The repository as the distribution API names it: `namespace/name`.
    public var repository: String { namespace.isEmpty ? name : namespace + "/" + name }

    /// What `/v2/<repo>/manifests/<x>` asks for: the digest if pinned, else the tag.
    public var manifestReference: String { digest?.description ?? tag ?? Reference.defaultTag }

    /// The tag under which the manifest is stored on disk. A reference pinned
    /// only by digest is stored under the tag `sha256-<hex>`.
    public var storeTag: String { tag ?? digest?.fileName ?? Reference.defaultTag }

    /// The fully spelled-out form, `[scheme://]host/namespace/name:tag[@digest]`,
    /// which parses back to the same reference.
    public var description: String {
        var s = (scheme.map { $0 + "://" } ?? "") + host + "/" + repository
        if let tag { s += ":" + tag }
        if let digest { s += "@" + digest.description }
        return s
    }
}
