import Foundation

/// The sidecar `.modelget/partial/sha256-<hex>.json` beside a partial blob: which
/// byte ranges of the partial file hold received bytes, in two tiers.
///
/// `completed` is recorded often and without an fsync: those bytes sit in
/// the page cache, which survives the process (Ctrl-C, `kill -9`, a crash)
/// but not the machine. `durable` is recorded only after an fsync of the
/// file. `bootID` names the kernel boot the state was written in: on the
/// same boot every `completed` range is trusted, after a reboot or power
/// cut only the `durable` ones. Kept bytes are re-hashed before the blob
/// is accepted either way, so a wrong claim costs a refetch, never a
/// wrong blob.
struct PartState: Codable, Equatable {
    /// The blob's size; the partial file is preallocated to it.
    var size: Int64
    /// Ranges written (in the page cache at least), as `[start, end)` pairs.
    var completed: [[Int64]]
    /// Ranges known to be on disk, as `[start, end)` pairs.
    var durable: [[Int64]]
    /// `/proc/sys/kernel/random/boot_id` when the state was written.
    var bootID: String

    init(size: Int64, completed: ByteRanges, durable: ByteRanges = ByteRanges(), bootID: String = PartState.currentBootID) {
        self.size = size
        self.completed = completed.ranges.map { [$0.lowerBound, $0.upperBound] }
        self.durable = durable.ranges.map { [$0.lowerBound, $0.upperBound] }
        self.bootID = bootID
    }

    /// The ranges to trust now: all written ones on the same boot, else
    /// the durable ones; nil when the file is malformed.
    var ranges: ByteRanges? {
        trusted(currentBootID: PartState.currentBootID)
    }

    func trusted(currentBootID: String) -> ByteRanges? {
        let sameBoot = !bootID.isEmpty && bootID == currentBootID
        var set = ByteRanges()
        for pair in sameBoot ? completed : durable {
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

    /// Writes the sidecar atomically (a temporary file renamed over it);
    /// with `durable`, fsynced too.
    func save(to path: String, durable: Bool) throws {
        try FileIO.writeAtomically(try JSONEncoder().encode(self), to: path, durable: durable)
    }

    /// This boot of the kernel; empty where the system does not say.
    static let currentBootID: String = {
        guard let data = FileManager.default.contents(atPath: "/proc/sys/kernel/random/boot_id") else { return "" }
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }()
}

extension ModelStore {
    /// `.modelget/partial/sha256-<hex>.json`: the part state of a partial blob.
    package func partialStatePath(_ digest: Digest) -> String { partialPath(digest) + ".json" }
}
