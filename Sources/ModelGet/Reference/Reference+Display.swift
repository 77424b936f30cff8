extension Reference {
    /// The name as `ollama list` shows it (`DisplayShortest`): `name:tag`
    /// for `registry.ollama.ai/library`, `namespace/name:tag` for another
    /// namespace on `registry.ollama.ai`, else `host/namespace/name:tag`
    /// (host and namespace compared ignoring case, as ollama does).
    public var displayName: String {
        let suffix = name + ":" + storeTag
        guard host.caseInsensitiveCompare(Reference.defaultHost) == .orderedSame else { return host + "/" + namespace + "/" + suffix }
        return namespace.caseInsensitiveCompare(Reference.defaultNamespace) == .orderedSame ? suffix : namespace + "/" + suffix
    }

    /// True when ollama's store can hold the reference: its repository is
    /// `namespace/model`, not nested deeper.
    public var isStorable: Bool { !namespace.contains("/") }

    /// Rebuilds a reference from the path components of a stored manifest,
    /// `<host>/<namespace>/<model>/<tag>`, as ollama's
    /// `ParseNameFromFilepath` does; nil when there are not four parts or
    /// any is not one ollama accepts.
    init?(storePath components: [String]) {
        guard components.count == 4, Reference.isValidPart(.host, components[0]), Reference.isValidPart(.namespace, components[1]),
              Reference.isValidPart(.model, components[2]), Reference.isValidPart(.tag, components[3]) else { return nil }
        self.init(host: components[0], namespace: components[1], name: components[2], tag: components[3], digest: nil)
    }
}
