import Foundation

extension ModelStore {
    /// What a prune removed (or, for a dry run, would remove).
    public struct PruneResult: Sendable {
        /// Complete blobs no manifest names.
        public var unreferencedBlobs: [(digest: Digest, size: Int64)] = []
        /// Leftovers of downloads and writes no process is working on, by
        /// path relative to the models directory: modelget's partial files,
        /// part state, temporary manifests and copy scratch directories, and
        /// ollama's own temporaries in `blobs/`.
        public var stalePartials: [(name: String, size: Int64)] = []
        /// True when a pull was running (it held the store lock), so no blob
        /// was removed: one it has fetched may not be in a manifest yet.
        public var keptForRunningPull = false
        /// Partial downloads kept: written to within `partialAge` (a later
        /// pull resumes them; `--partial-age` lower removes them), or held
        /// by a running process.
        public var keptPartials: [(name: String, size: Int64, inUse: Bool)] = []

        /// The bytes these files take.
        public var freedBytes: Int64 {
            unreferencedBlobs.reduce(0) { $0 + $1.size } + stalePartials.reduce(0) { $0 + $1.size }
        }
    }

    /// Removes blobs no manifest names and the leftovers of interrupted
    /// work. Nothing is removed when a file or folder under `manifests/`
    /// cannot be read (it may need any blob); no blob is removed while a
    /// pull holds the store lock. A leftover goes only when no process
    /// holds its lock (whatever its age) and it was last written at least
    /// `partialAge` seconds ago (ollama writes its own temporaries
    /// without a lock, so a recent one may be in use; ollama itself waits
    /// an hour).
    public func prune(partialAge: TimeInterval = 3600, dryRun: Bool = false, now: Date = Date()) throws -> PruneResult {
        let lock = try lockForDeleting()
        defer { lock?.release() }
        let catalog = try catalog()
        if let blocked = catalog.unknownNeeds { throw ModelGetError.storeUnreadable(path: blocked.path, reason: blocked.reason) }
        let referenced = catalog.referencedDigests
        var result = PruneResult(keptForRunningPull: lock == nil)
        func isOld(_ path: String) -> Bool { FileIO.modified(path).map { now.timeIntervalSince($0) >= partialAge } ?? false }

        for file in blobFiles() {
            switch file {
            case let .blob(digest, size) where lock != nil && !referenced.contains(digest):
                if !dryRun { try removeBlob(digest) }
                result.unreferencedBlobs.append((digest, size))
            case let .partial(name, size, _) where isOld(blobsDirectory + "/" + name):
                if !dryRun { unlink(blobsDirectory + "/" + name) }
                result.stalePartials.append(("blobs/" + name, size))
            case let .partial(name, size, _):
                result.keptPartials.append(("blobs/" + name, size, false))
            default:
                continue
            }
        }
        result.stalePartials += stalePartialFiles(isOld: isOld, dryRun: dryRun, kept: &result.keptPartials)
        result.stalePartials += staleTemporaryFiles(isOld: isOld, dryRun: dryRun)
        result.stalePartials += removeStaleScratchDirectories(dryRun: dryRun)
        return result
    }

    /// `.modelget/partial/`: a partial file and its part state go
    /// together, only while no process holds the partial file's lock.
    /// Kept ones (recent, or locked) are added to `kept` (data files only).
    private func stalePartialFiles(isOld: (String) -> Bool, dryRun: Bool,
                                   kept: inout [(name: String, size: Int64, inUse: Bool)]) -> [(name: String, size: Int64)] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: partialsDirectory) else { return [] }
        var removed: [(String, Int64)] = []
        var sidecarsTaken = Set<String>()
        for entry in entries.sorted() where !sidecarsTaken.contains(entry) {
            let path = partialsDirectory + "/" + entry
            let isData = !entry.hasPrefix(".") && !entry.hasSuffix(".json")
            guard FileIO.isRegularFile(path) else { continue }
            guard isOld(path) else {
                if isData { kept.append((".modelget/partial/" + entry, FileIO.size(path) ?? 0, false)) }
                continue
            }
            // Every file here is named after the blob it serves: `sha256-<hex>`,
            // `sha256-<hex>.json`, `.sha256-<hex>.json.tmp-…`.
            let name = entry.hasPrefix(".") ? String(entry.dropFirst()) : entry
            let data = partialsDirectory + "/" + String(name.prefix("sha256-".count + 64))
            let lock = FileIO.isRegularFile(data) ? FileLock.exclusiveIfFree(data, create: false) : nil
            guard lock != nil || !FileIO.isRegularFile(data) else {
                if isData { kept.append((".modelget/partial/" + entry, FileIO.size(path) ?? 0, true)) }
                continue
            }
            defer { lock?.release() }
            let sidecar = data + ".json"
            if path == data, let sidecarSize = FileIO.size(sidecar) {
                // The sidecar goes first: one must never describe an emptied
                // or recreated partial file (see `PartialBlob`).
                if !dryRun { unlink(sidecar) }
                sidecarsTaken.insert(entry + ".json")
                removed.append((".modelget/partial/" + entry + ".json", sidecarSize))
            }
            let size = FileIO.size(path) ?? 0
            if !dryRun { unlink(path) }
            removed.append((".modelget/partial/" + entry, size))
        }
        return removed
    }

    /// `.modelget/tmp/`: files on their way to a final name, whose writer
    /// (the process id in the name) is gone.
    private func staleTemporaryFiles(isOld: (String) -> Bool, dryRun: Bool) -> [(name: String, size: Int64)] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: temporaryDirectory) else { return [] }
        var removed: [(String, Int64)] = []
        for entry in entries.sorted() {
            let path = temporaryDirectory + "/" + entry
            guard FileIO.isRegularFile(path), isOld(path) else { continue }
            if let writer = entry.range(of: ".tmp-").flatMap({ Int32(entry[$0.upperBound...].prefix { $0.isNumber }) }),
               writer == getpid() || kill(writer, 0) == 0 {
                continue
            }
            let size = FileIO.size(path) ?? 0
            if !dryRun { unlink(path) }
            removed.append((".modelget/tmp/" + entry, size))
        }
        return removed
    }
}
