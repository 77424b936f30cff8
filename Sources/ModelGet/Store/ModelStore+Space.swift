import Foundation

/// What a download still needs from the disk: the bytes a blob's partial
/// download already holds, the space free where the store is, and the
/// check made before the first byte.
extension ModelStore {
    /// Bytes of `blob` its partial download holds that the next pull
    /// keeps (its part state's trusted ranges; 0 when there is none).
    package func partialBytes(of blob: Descriptor) -> Int64 {
        guard let state = PartState.load(partialStatePath(blob.digest)), state.size == blob.size,
              let ranges = state.ranges else { return 0 }
        return ranges.ranges.reduce(0) { $0 + ($1.upperBound - $1.lowerBound) }
    }

    /// Removes `blob`'s partial file and part state when they hold no byte
    /// the next download would keep (`partialBytes` is 0) and no process
    /// holds the partial file's lock.
    func removePartialWithNothingToKeep(_ blob: Descriptor) {
        let data = partialPath(blob.digest)
        guard partialBytes(of: blob) == 0, let lock = FileLock.exclusiveIfFree(data, create: false) else { return }
        defer { lock.release() }
        // The part state first: one must never describe a removed partial file.
        unlink(partialStatePath(blob.digest))
        unlink(data)
    }

    /// Bytes an unprivileged writer may still use on the store's file
    /// system (of the nearest directory that exists, for a store not made
    /// yet), or nil when the system does not say.
    package func availableBytes() -> Int64? {
        var path = root.path
        while !FileManager.default.fileExists(atPath: path), path != "/" {
            path = (path as NSString).deletingLastPathComponent
            if path.isEmpty { path = "/" }
        }
        return FileIO.freeSpace(path)
    }

    /// Checks, before the first byte, that the store's file system has
    /// room for what `blobs` still lack (a partial file already holds the
    /// space it took); throws `notEnoughSpace`, with what `prune` would
    /// free, when it has not.
    func checkFreeSpace(for blobs: [Descriptor]) throws {
        var needed: Int64 = 0
        for blob in blobs where !hasBlob(blob) {
            needed += max(0, blob.size - FileIO.allocatedBytes(partialPath(blob.digest)))
        }
        guard needed > 0, let free = availableBytes(), needed > free else { return }
        // A prune beside a pull keeps the blobs (the store lock): count only what it would remove now.
        let prunable = (try? prune(dryRun: true)).map { result in
            result.unreferencedBlobs.reduce(0) { $0 + $1.size } + result.stalePartials.reduce(0) { $0 + $1.size }
        } ?? 0
        throw ModelGetError.notEnoughSpace(path: rootPath, needed: needed, free: free, prunable: prunable)
    }
}
