import Foundation

extension ModelStore {
    /// Checks, before the first byte, that the store's file system has
    /// room for what `blobs` still lack (a partial file already holds the
    /// space it took); throws `notEnoughSpace`, with what `prune` would
    /// free, when it has not.
    func checkFreeSpace(for blobs: [Descriptor]) throws {
        var needed: Int64 = 0
        for blob in blobs where !hasBlob(blob) {
            needed += max(0, blob.size - FileIO.allocatedBytes(partialPath(blob.digest)))
        }
        guard needed > 0, let free = freeSpace(), needed > free else { return }
        // A prune beside a pull keeps the blobs (the store lock): count only what it would remove now.
        let prunable = (try? prune(dryRun: true)).map { result in
            result.unreferencedBlobs.reduce(0) { $0 + $1.size } + result.stalePartials.reduce(0) { $0 + $1.size }
        } ?? 0
        throw ModelGetError.notEnoughSpace(path: rootPath, needed: needed, free: free, prunable: prunable)
    }
}
