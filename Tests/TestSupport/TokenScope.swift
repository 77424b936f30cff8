/// One scope a client asks the token service for, such as
/// `repository:library/tinyllama:pull,push`.
public struct TokenScope: Sendable, Equatable, Codable {
    /// The resource type: `repository`, `registry`, …
    public let type: String
    /// The resource name, e.g. `library/tinyllama`.
    public let name: String
    /// The requested actions, e.g. `["pull", "push"]`.
    public let actions: [String]

    /// A scope from its parts.
    public init(type: String, name: String, actions: [String]) {
        self.type = type
        self.name = name
        self.actions = actions
    }

    /// Parses `type:name:actions`; the name may itself contain colons
    /// (a registry host with a port). Nil if it has fewer than three parts.
    public init?(parsing text: String) {
        guard let typeEnd = text.firstIndex(of: ":"), let actionsStart = text.lastIndex(of: ":"),
              typeEnd < actionsStart
        else { return nil }
        type = String(text[..<typeEnd])
        name = String(text[text.index(after: typeEnd)..<actionsStart])
        actions = text[text.index(after: actionsStart)...].split(separator: ",").map(String.init)
    }
}
