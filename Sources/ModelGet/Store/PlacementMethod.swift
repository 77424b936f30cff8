import Foundation

/// How a blob from the store became the exported file.
public enum PlacementMethod: String, Sendable {
    /// A copy-on-write clone (`FICLONE`): no bytes copied, no space used,
    /// and writing to the exported file leaves the store's blob alone.
    case reflink
    /// A second name for the store's file (only with `--link`): no bytes
    /// copied, but writing to the exported file changes the store's blob
    /// (`verify` would notice).
    case hardlink
    /// A plain copy, hashed while copied.
    case copy
}
