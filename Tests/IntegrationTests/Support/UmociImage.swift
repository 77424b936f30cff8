import Foundation
import TestSupport
import XCTest

/// An image built as distributions build theirs with umoci: `umoci init`,
/// `new`, then per layer `unpack`, a shell script that changes the root
/// filesystem, and `repack`, so each layer is umoci's own diff of the tree
/// (whiteouts, a directory turned into a link, times and modes as the
/// script left them). Pushed to a registry with skopeo; `unpack` gives
/// `umoci unpack`'s tree of it to compare with.
struct UmociImage {
    let layout: URL
    let tag: String

    /// Builds `layers` (shell scripts run in the root filesystem, as root
    /// or with `--rootless` when this process is not root) in `directory`.
    static func build(in directory: URL, tag: String = "v1", layers: [String]) throws -> UmociImage {
        let layout = directory.appendingPathComponent("umoci-layout")
        let bundle = directory.appendingPathComponent("umoci-build")
        try run("/usr/bin/umoci", ["init", "--layout", layout.path])
        try run("/usr/bin/umoci", ["new", "--image", "\(layout.path):\(tag)"])
        try run("/usr/bin/umoci", ["unpack"] + rootless + ["--image", "\(layout.path):\(tag)", bundle.path])
        for script in layers {
            try run("/bin/sh", ["-ec", script], in: bundle.appendingPathComponent("rootfs"))
            try run("/usr/bin/umoci", ["repack", "--refresh-bundle", "--image", "\(layout.path):\(tag)", bundle.path])
        }
        try run("/usr/bin/chmod", ["-R", "a+rX", layout.path])
        return UmociImage(layout: layout, tag: tag)
    }

    /// Copies the image to `registry` as `repository:tag` with skopeo.
    func push(to registry: RegistryProcess, repository: String) throws {
        try Self.run("/usr/bin/skopeo", ["copy", "--dest-tls-verify=false", "oci:\(layout.path):\(tag)",
                                         "docker://\(registry.host)/\(repository):\(tag)"])
    }

    /// `umoci unpack` (with `--rootless` when `user` is given or this
    /// process is not root) into `bundle`; returns its root filesystem.
    func unpack(into bundle: URL, as user: NormalUser? = nil) throws -> URL {
        let arguments = ["unpack"] + (user == nil ? Self.rootless : ["--rootless"]) + ["--image", "\(layout.path):\(tag)", bundle.path]
        try Self.run("/usr/bin/umoci", arguments, as: user)
        return bundle.appendingPathComponent("rootfs")
    }

    private static var rootless: [String] { geteuid() == 0 ? [] : ["--rootless"] }

    /// Runs a tool to the end, failing with its stderr when it fails.
    static func run(_ executable: String, _ arguments: [String], in directory: URL? = nil, as user: NormalUser? = nil) throws {
        let process = Process()
        let (path, prefixed) = user?.command(executable, arguments) ?? (executable, arguments)
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = prefixed
        if let directory { process.currentDirectoryURL = directory }
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw NSError(domain: "UmociImage", code: Int(process.terminationStatus),
                          userInfo: [NSLocalizedDescriptionKey: "\(executable) \(arguments.joined(separator: " ")): \(text)"])
        }
    }
}
