import Foundation
import ModelGet

/// What a root filesystem holds, path by path: type, permission bits,
/// size, content hash and link target (and, when asked, the modification
/// time), read without following links.
struct FileTree: Equatable {
    struct Node: Equatable, CustomStringConvertible {
        var type: String
        var mode: Int
        var size: Int64
        var sha256: String?
        var linkTarget: String?
        /// Seconds and nanoseconds, with `times`.
        var modified: String?

        var description: String {
            "\(type) \(String(mode, radix: 8)) \(size)\(sha256.map { " " + $0.prefix(12) } ?? "")\(linkTarget.map { " -> " + $0 } ?? "")"
                + (modified.map { " @" + $0 } ?? "")
        }
    }

    var nodes: [String: Node]

    /// Reads every path under `root` (not `root` itself); with `times`, their modification times too.
    init(_ root: URL, times: Bool = false) throws {
        var nodes: [String: Node] = [:]
        func walk(_ relative: String) throws {
            let path = relative.isEmpty ? root.path : root.path + "/" + relative
            for name in try FileManager.default.contentsOfDirectory(atPath: path) {
                let child = relative.isEmpty ? name : relative + "/" + name
                let full = root.path + "/" + child
                var info = stat()
                guard lstat(full, &info) == 0 else { continue }
                let mode = Int(info.st_mode & 0o7777)
                defer { if times { nodes[child]?.modified = "\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)" } }
                switch info.st_mode & S_IFMT {
                case S_IFDIR:
                    nodes[child] = Node(type: "dir", mode: mode, size: 0)
                    try walk(child)
                case S_IFLNK:
                    let target = try FileManager.default.destinationOfSymbolicLink(atPath: full)
                    nodes[child] = Node(type: "symlink", mode: 0, size: 0, linkTarget: target)
                case S_IFREG:
                    let data = try Data(contentsOf: URL(fileURLWithPath: full))
                    nodes[child] = Node(type: "file", mode: mode, size: Int64(info.st_size), sha256: SHA256Hasher.hex(of: data))
                case S_IFIFO:
                    nodes[child] = Node(type: "fifo", mode: mode, size: 0)
                default:
                    nodes[child] = Node(type: "other", mode: mode, size: 0)
                }
            }
        }
        try walk("")
        self.nodes = nodes
    }

    /// One line per path that differs, for a readable failure.
    func differences(from other: FileTree) -> [String] {
        Set(nodes.keys).union(other.nodes.keys).sorted().compactMap { path in
            let mine = nodes[path], theirs = other.nodes[path]
            guard mine != theirs else { return nil }
            return "\(path): \(mine.map(\.description) ?? "missing") vs \(theirs.map(\.description) ?? "missing")"
        }
    }
}
