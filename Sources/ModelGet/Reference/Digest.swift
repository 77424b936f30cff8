/// A content digest of the form `sha256:<64 lowercase hex>`.
///
/// Only SHA-256 digests are accepted; anything else (other algorithms,
/// upper case, wrong length, path characters) is refused, so a `Digest`
/// is always safe to use as part of a file name.
public struct Digest: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The 64 lowercase hexadecimal characters after `sha256:`.
    public let hex: String

    /// Parses `sha256:<hex>`; throws `ModelGetError.invalidDigest` otherwise.
    public init(_ string: String) throws {
        guard string.hasPrefix("sha256:") else { throw ModelGetError.invalidDigest(string) }
        let hex = string.dropFirst("sha256:".count)
        guard Digest.isLowercaseHex64(hex) else { throw ModelGetError.invalidDigest(string) }
        self.hex = String(hex)
    }

    /// Makes a digest from 64 lowercase hex characters.
    public init(hex: String) throws {
        try self.init("sha256:" + hex)
    }

    /// `sha256:<hex>`.
    public var description: String { "sha256:" + hex }

    /// The blob file name in Ollama's layout: `sha256-<hex>`.
    package var fileName: String { "sha256-" + hex }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        try self.init(try container.decode(String.self))
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// Throws `ModelGetError.digestMismatch` unless `actualHex` (the
    /// SHA-256 of some bytes) is this digest's.
    package func verify(actualHex: String) throws {
        guard actualHex == hex else { throw ModelGetError.digestMismatch(digest: description, actual: actualHex) }
    }

    static func isLowercaseHex64(_ s: Substring) -> Bool {
        s.utf8.count == 64 && s.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}
