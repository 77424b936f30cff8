import Foundation

/// The words for a full disk: how much more was needed, how much is free,
/// where, and what frees space, in the units a person reads (not an
/// internal partial file's path and a byte count).
enum DiskSpace {
    static func fullMessage(path: String, needed: Int64) -> String {
        // A blob's partial file names the blob; the place is the models directory.
        let name = (path as NSString).lastPathComponent
        let what = name.hasPrefix("sha256-") ? " for sha256:\(name.dropFirst(7).prefix(12))…" : ""
        let place = path.range(of: "/.modelget/").map { String(path[..<$0.lowerBound]) } ?? (path as NSString).deletingLastPathComponent
        var line = "no space left on device in \(place): \(ProgressFormat.binaryBytes(max(needed, 0))) more needed\(what)"
        if let free = available(at: place) { line += ", \(ProgressFormat.binaryBytes(free)) free" }
        return line + "; modelget prune frees blobs no model uses and old partial downloads (modelget rm MODEL first to drop a model)"
    }

    /// Bytes an unprivileged writer may still use on `path`'s file system.
    static func available(at path: String) -> Int64? {
        var stats = statvfs()
        guard statvfs(path, &stats) == 0 else { return nil }
        return Int64(stats.f_bavail) * Int64(stats.f_frsize)
    }
}
