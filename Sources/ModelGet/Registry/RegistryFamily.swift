/// Registries that hand a client from one host to its partner: the Ollama
/// registry names its token realm on ollama.com, and `hf.co` answers with a
/// 307 to `huggingface.co`, whose realm is there too.
///
/// Members get ollama's own key (`~/.ollama/id_ed25519`) by default; a key
/// signature and the registry's credentials go only to the registry's host
/// or its partner, over HTTPS, never to any other host.
public struct RegistryFamily: Sendable, Equatable {
    /// Each host and the one other host it may hand over to (both ways).
    public var partners: [String: String]

    public init(partners: [String: String]) {
        var both = partners
        for (host, partner) in partners { both[partner] = host }
        self.partners = both
    }

    /// The hosts ollama itself talks to: registry.ollama.ai ↔ ollama.com
    /// and hf.co ↔ huggingface.co.
    public static let ollama = RegistryFamily(partners: ["registry.ollama.ai": "ollama.com", "hf.co": "huggingface.co"])

    /// True when `host` (`name[:port]`) is one of the family.
    public func contains(_ host: String) -> Bool {
        partners[host.lowercased()] != nil
    }

    /// The partner of `host`, if it has one.
    public func partner(of host: String) -> String? {
        partners[host.lowercased()]
    }

    /// Where to add a public key so that `host` accepts it.
    func keySettingsPage(for host: String) -> String {
        switch host.lowercased() {
        case "registry.ollama.ai", "ollama.com": return "https://ollama.com/settings/keys"
        case "hf.co", "huggingface.co": return "https://huggingface.co/settings/keys"
        default: return "\(host)'s account settings"
        }
    }
}
