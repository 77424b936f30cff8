import Foundation

/// A user who is not root, for what only shows without privileges: this
/// process's own user when it is not root, else `nobody` (65534) reached
/// through `setpriv`.
struct NormalUser {
    let uid: uid_t

    /// Nil when this process is root and `setpriv` is missing.
    static func make() -> NormalUser? {
        if geteuid() != 0 { return NormalUser(uid: geteuid()) }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else { return nil }
        return NormalUser(uid: 65534)
    }

    /// The executable and arguments that run `executable` as this user.
    func command(_ executable: String, _ arguments: [String]) -> (String, [String]) {
        guard geteuid() == 0 else { return (executable, arguments) }
        return ("/usr/bin/setpriv", ["--reuid=\(uid)", "--regid=\(uid)", "--clear-groups", "--reset-env", executable] + arguments)
    }

    /// Runs `executable` as this user to the end: its status and its output (stdout and stderr together).
    func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        let (path, command) = command(executable, arguments)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = command
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, text)
    }

    /// A directory this user owns, made under `parent` (which everyone may search).
    func ownedDirectory(_ name: String, in parent: URL) throws -> URL {
        let directory = parent.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        chmod(parent.path, 0o755)
        if geteuid() == 0 { chown(directory.path, uid, uid) }
        return directory
    }
}
