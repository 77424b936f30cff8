import Foundation

/// The sidecar `sha256-<hex>-partial.json` beside a partial blob: which
/// byte ranges of the partial file hold received bytes. It is written
/// atomically, and only after those bytes were fsynced, so it never claims
/// bytes the file does not durably hold. The bytes are still re-hashed
/// before the blob is accepted.
struct PartState: Codable, Equatable {
    /// The blob's size; the partial file is preallocated to it.
    var size: Int64
    /// Completed half-open ranges as `[start, end]` pairs.
    var completed: [[Int64]]

    init(size: Int64, completed: ByteRanges) {
        self.size = size
        self.completed = completed.ranges.map { [$0.lowerBound, $0.upperBound] }
    }

    /// The completed ranges, or nil when the file is malformed.
    var ranges: ByteRanges? {
        var set = ByteRanges()
        for pair in completed {
            guard pair.count == 2, pair[0] >= 0, pair[0] <= pair[1], pair[1] <= size else { return nil }
            set.insert(pair[0]..<pair[1])
        }
        return set
    }

    /// Reads a sidecar; nil when it is missing or unreadable.
    static func load(_ path: String) -> PartState? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return try? JSONDecoder().decode(PartState.self, from: data)
    }

    /// Writes the sidecar atomically.
    func save(to path: String) throws {
        try FileIO.writeAtomically(try JSONEncoder().encode(self), to: path)
    }
}

extension ModelStore {
    /// `blobs/sha256-<hex>-partial.json`: the part state of a partial blob.
    public func partialStatePath(_ digest: Digest) -> String { partialPath(digest) + ".json" }
}
