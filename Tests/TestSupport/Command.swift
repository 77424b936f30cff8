import Foundation

/// Runs the helper programs the fixtures rely on (`htpasswd`, `openssl`,
/// `docker-registry`, `gpg`, `pass`), found on `PATH`.
public enum Command {
    /// Runs `name arguments…` to completion (in `environment`, else this
    /// process's); returns its standard output, or throws with its
    /// combined output if it fails.
    @discardableResult
    public static func run(_ name: String, _ arguments: [String], environment: [String: String]? = nil) throws -> String {
        let process = Process()
        process.executableURL = try locate(name)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            throw TestSupportError.commandFailed(
                command: name, status: process.terminationStatus,
                output: String(decoding: errorData + outputData, as: UTF8.self))
        }
        return String(decoding: outputData, as: UTF8.self)
    }

    /// The executable called `name` on `PATH` (or in the usual system
    /// directories when `PATH` is unset).
    static func locate(_ name: String) throws -> URL {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(name)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        throw TestSupportError.commandFailed(command: name, status: 127, output: "not found on PATH \(path)")
    }
}
