import Foundation

/// Where an exported blob goes.
public enum ExportDestination: Sendable, Equatable {
    /// A file, written atomically (never left truncated under its name).
    case file(String)
    /// A file descriptor (standard output), sent only after verification.
    case stream(Int32)
}
