/// Options for a push or copy.
public struct PushOptions: Sendable {
    /// How blobs are moved: blobs uploaded (and, for a copy, fetched) at
    /// once, stalls, retries; a copy's downloads also follow its parts and rate.
    public var transfer: TransferOptions
    /// Blobs smaller than this go up in one `PUT`; larger ones in chunks.
    public var monolithicLimit: Int64
    /// The size of each `PATCH` of a chunked upload.
    public var chunkSize: Int64
    /// Another repository on the destination registry to mount blobs from.
    public var mountFrom: String?
    /// Part sizes of ollama's redirect uploads: a sixteenth of the blob,
    /// kept within these bounds (100 MB to 1000 MB, as server/upload.go).
    public var redirectPartSizes: ClosedRange<Int64> = 100_000_000...1_000_000_000

    /// The part size of a redirect upload of a `size`-byte blob.
    func redirectPartSize(for size: Int64) -> Int64 {
        min(max(size / 16, redirectPartSizes.lowerBound), redirectPartSizes.upperBound)
    }

    // 64 MiB both ways: one request per blob up to 64 MiB keeps the
    // per-blob cost of a many-small-blob model at POST + PUT, and
    // distribution streams a PUT body to storage so size costs no memory
    // there. Above it, chunks bound what an interruption loses (the session
    // survives between chunks; a chunk cut mid-way is resent) while 64 MiB
    // per request keeps the request overhead under 0.1 % even at 100 MB/s.
    public static let defaultPartSize: Int64 = 64 << 20

    public init(transfer: TransferOptions = TransferOptions(), monolithicLimit: Int64 = PushOptions.defaultPartSize,
                chunkSize: Int64 = PushOptions.defaultPartSize, mountFrom: String? = nil) {
        self.transfer = transfer
        self.monolithicLimit = monolithicLimit
        self.chunkSize = max(1, chunkSize)
        self.mountFrom = mountFrom
    }
}
