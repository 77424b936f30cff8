import Foundation

/// Options for a pull.
public struct PullOptions: Sendable {
    /// How blobs are moved: concurrency, stalls, parts, rate, retries.
    public var transfer: TransferOptions
    /// The platform chosen from an image index.
    public var platform: Platform

    public init(transfer: TransferOptions = TransferOptions(), platform: Platform = .current) {
        self.transfer = transfer
        self.platform = platform
    }
}
