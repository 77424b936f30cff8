import Foundation

/// A directory being filled as a container's root filesystem. Every path
/// a layer names is resolved here, inside the root, before anything is
/// written: symbolic links met on the way are followed as the container
/// would see them (an absolute target starts again at the root), and a
/// path that would leave the root is refused. Only this process writes
/// the root while a layer is applied, so a resolved path stays valid.
struct RootFilesystem {
    /// Why a layer path is refused.
    enum Refusal: Error, Equatable {
        case absolute
        case dotDot
        case escapesThroughSymlink(String)
        case symlinkLoop
        case empty

        var reason: String {
            switch self {
            case .absolute: return "absolute path"
            case .dotDot: return "path contains \"..\""
            case let .escapesThroughSymlink(link): return "path goes through symbolic link \"\(link)\" that leads outside the root"
            case .symlinkLoop: return "too many levels of symbolic links"
            case .empty: return "empty path"
            }
        }
    }

    /// The root, an absolute path with no symbolic links in it.
    let root: String

    /// Symbolic links followed per path before it counts as a loop (Linux's limit).
    static let maximumLinks = 40

    /// The components of a layer entry's name: a leading `./` and empty or
    /// `.` parts are dropped; absolute names and `..` are refused.
    static func components(of name: String) throws(Refusal) -> [String] {
        guard !name.hasPrefix("/") else { throw .absolute }
        let parts = name.split(separator: "/", omittingEmptySubsequences: true).map(String.init).filter { $0 != "." }
        guard !parts.contains("..") else { throw .dotDot }
        return parts
    }

    /// Where `components` lands on disk: every component but the last is
    /// resolved through symbolic links inside the root; the last is kept
    /// as it is (an entry replaces a link, never writes through it).
    /// Returns the resolved components relative to the root.
    func resolveParent(_ components: [String]) throws(Refusal) -> [String] {
        guard let last = components.last else { return [] }
        var resolved: [String] = []
        var links = 0
        for component in components.dropLast() {
            try step(into: &resolved, component, links: &links)
        }
        return resolved + [last]
    }

    /// The absolute path of root-relative components.
    func path(_ components: [String]) -> String {
        components.isEmpty ? root : root + "/" + components.joined(separator: "/")
    }

    /// Appends `component` to `resolved`, following it if it is a symbolic link.
    private func step(into resolved: inout [String], _ component: String, links: inout Int) throws(Refusal) {
        let candidate = resolved + [component]
        guard let target = Self.linkTarget(path(candidate)) else {
            resolved = candidate
            return
        }
        links += 1
        guard links <= Self.maximumLinks else { throw .symlinkLoop }
        var next = target.hasPrefix("/") ? [] : resolved
        for part in target.split(separator: "/", omittingEmptySubsequences: true).map(String.init) {
            switch part {
            case ".": continue
            case "..":
                guard !next.isEmpty else { throw .escapesThroughSymlink(candidate.joined(separator: "/")) }
                next.removeLast()
            default:
                try step(into: &next, part, links: &links)
            }
        }
        resolved = next
    }

    /// The target of a symbolic link at `path`, or nil when it is none.
    private static func linkTarget(_ path: String) -> String? {
        var info = stat()
        guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFLNK else { return nil }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, Int(PATH_MAX))
        guard count >= 0 else { return nil }
        return String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Removes `path` and, for a directory, everything under it, never
    /// following a symbolic link. A missing path counts as removed, and so
    /// does one under a non-directory (`file/child`). A directory its owner
    /// may not list or change (a layer's 0555 `/usr/bin`) is opened up first,
    /// so a tree this process wrote can always be removed.
    static func removeTree(_ path: String) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            if errno == ENOENT || errno == ENOTDIR { return }
            throw FileIO.error(path)
        }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            if info.st_mode & S_IRWXU != S_IRWXU { _ = chmod(path, (info.st_mode & 0o7777) | S_IRWXU) }
            for child in try children(of: path) { try removeTree(path + "/" + child) }
            guard rmdir(path) == 0 else { throw FileIO.error(path) }
        } else {
            guard unlink(path) == 0 || errno == ENOENT else { throw FileIO.error(path) }
        }
    }

    /// The names in a directory, without `.` and `..`.
    static func children(of directory: String) throws -> [String] {
        guard let handle = opendir(directory) else { throw FileIO.error(directory) }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// True when `path` is a directory (not a link to one).
    static func isDirectory(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }
}
