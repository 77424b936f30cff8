import Foundation

/// What a download still needs from the disk: the bytes a blob's partial
/// download already holds, and the space free where the store is.
extension ModelStore {
    /// Bytes of `blob` its partial download holds that the next pull
    /// keeps (its part state's trusted ranges; 0 when there is none).
    public func partialBytes(of blob: Descriptor) -> Int64 {
        guard let state = PartState.load(partialStatePath(blob.digest)), state.size == blob.size,
              let ranges = state.ranges else { return 0 }
        return ranges.ranges.reduce(0) { $0 + ($1.upperBound - $1.lowerBound) }
    }

    /// Bytes an unprivileged writer may still use on the store's file
    /// system (of the nearest directory that exists, for a store not made
    /// yet), or nil when the system does not say.
    public func availableBytes() -> Int64? {
        var path = root.path
        while !FileManager.default.fileExists(atPath: path), path != "/" {
            path = (path as NSString).deletingLastPathComponent
            if path.isEmpty { path = "/" }
        }
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        return Int64(info.f_bavail) * Int64(info.f_frsize)
    }
}
