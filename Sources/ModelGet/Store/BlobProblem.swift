import Foundation

/// A blob a manifest names that is not as the manifest says.
public struct BlobProblem: Sendable, Equatable {
    /// What is wrong with it.
    public enum Kind: Sendable, Equatable {
        case missing
        case sizeMismatch(actual: Int64)
        case digestMismatch(actual: String)
    }

    /// The blob as the manifest describes it.
    public var descriptor: Descriptor
    public var kind: Kind
    /// The models that name it, as displayed.
    public var models: [String]

    /// One line for a user.
    public var summary: String {
        let who = models.joined(separator: ", ")
        switch kind {
        case .missing:
            return "\(descriptor.digest): missing (needed by \(who))"
        case let .sizeMismatch(actual):
            return "\(descriptor.digest): \(actual) bytes on disk, manifest says \(descriptor.size) (needed by \(who))"
        case let .digestMismatch(actual):
            return "\(descriptor.digest): bytes hash to sha256:\(actual) (needed by \(who))"
        }
    }
}
