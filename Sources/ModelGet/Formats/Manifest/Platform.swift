/// An OS / architecture pair from an image index.
public struct Platform: Codable, Hashable, Sendable, CustomStringConvertible {
    public var os: String
    public var architecture: String
    public var variant: String?

    enum CodingKeys: String, CodingKey {
        case os, architecture, variant
    }

    public init(os: String, architecture: String, variant: String? = nil) {
        self.os = os
        self.architecture = architecture
        self.variant = variant
    }

    /// Parses `os/arch[/variant]`; the kernel's names for an architecture
    /// (`x86_64`, `aarch64`) become the image spec's (`amd64`, `arm64`).
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard (2...3).contains(parts.count), !parts.contains(where: \.isEmpty) else {
            throw ModelGetError.usage("invalid platform \"\(text)\": want os/arch[/variant], e.g. linux/arm64")
        }
        let aliases = ["x86_64": "amd64", "x86-64": "amd64", "aarch64": "arm64"]
        self.init(os: parts[0], architecture: aliases[parts[1]] ?? parts[1], variant: parts.count == 3 ? parts[2] : nil)
    }

    /// The platform this program runs on.
    public static var current: Platform {
        #if arch(arm64)
        Platform(os: "linux", architecture: "arm64", variant: "v8")
        #else
        Platform(os: "linux", architecture: "amd64")
        #endif
    }

    public var description: String { [os, architecture, variant].compactMap { $0 }.joined(separator: "/") }

    /// True when `other` is this platform; a missing variant matches any.
    public func matches(_ other: Platform) -> Bool {
        os == other.os && architecture == other.architecture
            && (variant == nil || other.variant == nil || variant == other.variant)
    }
}
