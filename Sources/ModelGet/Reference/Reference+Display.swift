extension Reference {
    /// The name as `ollama list` shows it: `name:tag` for
    /// `registry.ollama.ai/library`, `namespace/name:tag` for another
    /// namespace on `registry.ollama.ai`, else `host/namespace/name:tag`.
    public var displayName: String {
        let suffix = name + ":" + storeTag
        guard host == Reference.defaultHost else { return host + "/" + namespace + "/" + suffix }
        return namespace == Reference.defaultNamespace ? suffix : namespace + "/" + suffix
    }

    /// Rebuilds a reference from the path components of a stored manifest,
    /// `<host>/<namespace…>/<name>/<tag>`, or nil when any component is not
    /// one a reference could have produced.
    init?(storePath components: [String]) {
        guard components.count >= 4 else { return nil }
        let host = components[0], name = components[components.count - 2], tag = components[components.count - 1]
        let namespace = Array(components[1..<(components.count - 2)])
        guard (try? Reference.validateHost(host, fail: { ModelGetError.usage($0) })) != nil,
              Reference.isValidTag(tag), Reference.isValidPathComponent(name),
              namespace.allSatisfy(Reference.isValidPathComponent) else { return nil }
        self.init(host: host, namespace: namespace.joined(separator: "/"), name: name, tag: tag, digest: nil)
    }
}
