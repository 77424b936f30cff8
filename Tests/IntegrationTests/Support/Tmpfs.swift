import Foundation

/// A small tmpfs mounted for a test that needs a real full file system
/// (root only, as CI runs).
enum Tmpfs {
    /// Mounts a tmpfs at `path` with `options` (`size=8m`, `remount,size=64m`); false when this process cannot.
    static func mount(at path: String, options: String) -> Bool {
        getuid() == 0 && run("/bin/mount", ["-t", "tmpfs", "-o", options, "tmpfs", path]) == 0
    }

    static func unmount(_ path: String) {
        _ = run("/bin/umount", [path])
    }

    private static func run(_ tool: String, _ arguments: [String]) -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return -1 }
        process.waitUntilExit()
        return process.terminationStatus
    }
}
