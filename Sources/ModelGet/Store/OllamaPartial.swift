import Foundation

/// A download ollama left unfinished in `blobs/`: the data file
/// `sha256-<hex>-partial` (preallocated to the blob's size) and one JSON
/// file per part, `sha256-<hex>-partial-<N>`, holding `{N, Offset, Size,
/// Completed}` (`server/download.go`): bytes `Offset ..< Offset+Completed`
/// arrived. modelget takes over what it records instead of fetching it
/// again; the bytes are re-hashed like any resumed bytes, never trusted.
struct OllamaPartial {
    /// One part file's record, with ollama's field names.
    struct Part: Decodable {
        var number: Int
        var offset: Int64
        var size: Int64
        var completed: Int64

        enum CodingKeys: String, CodingKey {
            case number = "N", offset = "Offset", size = "Size", completed = "Completed"
        }
    }

    /// ollama writes a running download's data file at least every 30
    /// seconds (its stall timeout); one quiet for longer is not in use.
    static let quietPeriod: TimeInterval = 120

    let dataPath: String
    let partPaths: [String]

    /// The leftover ollama download of `digest` in `store`, if there is one.
    init?(store: ModelStore, digest: Digest) {
        dataPath = store.blobPath(digest) + "-partial"
        guard FileIO.isRegularFile(dataPath) else { return nil }
        let prefix = digest.fileName + "-partial-"
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: store.blobsDirectory)) ?? []
        partPaths = entries.filter { $0.hasPrefix(prefix) && !$0.dropFirst(prefix.count).isEmpty && $0.dropFirst(prefix.count).allSatisfy(\.isNumber) }
            .sorted().map { store.blobsDirectory + "/" + $0 }
    }

    /// The byte ranges the part files record, clipped to the blob; nil
    /// when the data file is not the blob's size or a part file is malformed.
    func recordedRanges(size: Int64) -> ByteRanges? {
        guard FileIO.size(dataPath) == size else { return nil }
        var ranges = ByteRanges()
        for path in partPaths {
            guard let data = FileManager.default.contents(atPath: path),
                  let part = try? JSONDecoder().decode(Part.self, from: data),
                  part.offset >= 0, part.size >= 0, part.completed >= 0,
                  part.offset <= size, part.size <= size - part.offset else { return nil }
            let end = part.offset + min(part.completed, part.size)
            if end > part.offset { ranges.insert(part.offset..<end) }
        }
        return ranges
    }

    /// True when ollama has not written the data file for `quietPeriod`.
    func isQuiet(now: Date = Date()) -> Bool {
        FileIO.modified(dataPath).map { now.timeIntervalSince($0) >= Self.quietPeriod } ?? false
    }

    /// Deletes ollama's files once their bytes are in modelget's partial file.
    func remove() {
        for path in partPaths { unlink(path) }
        unlink(dataPath)
    }
}

extension ModelStore {
    /// Before a download of `digest` starts from nothing (the caller found
    /// no part state of modelget's own): copies the ranges a quiet ollama partial download
    /// recorded into the locked partial file `fd`, records them as its part
    /// state, and deletes ollama's files. Returns that part state; nil when
    /// there was nothing to take over.
    func adoptOllamaPartial(_ digest: Digest, size: Int64, into fd: Int32, path: String) throws -> PartState? {
        let statePath = partialStatePath(digest)
        guard let leftover = OllamaPartial(store: self, digest: digest),
              leftover.isQuiet(), let ranges = leftover.recordedRanges(size: size), ranges.count > 0 else { return nil }
        let source = open(leftover.dataPath, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard source >= 0 else { return nil }
        defer { close(source) }
        guard ftruncate(fd, off_t(size)) == 0 else { throw FileIO.error(path, needed: size) }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        for range in ranges.ranges {
            var offset = range.lowerBound
            while offset < range.upperBound {
                let piece = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<Int(min(Int64(buffer.count), range.upperBound - offset))])
                try FileIO.readFully(source, into: piece, at: offset, path: leftover.dataPath)
                try FileIO.pwriteAll(fd, UnsafeRawBufferPointer(piece), at: offset, path: path)
                offset += Int64(piece.count)
            }
        }
        let state = PartState(size: size, completed: ranges)
        try state.save(to: statePath, durable: false)
        leftover.remove()
        return state
    }
}
