import Foundation
import TestSupport

/// `registry`: runs docker-registry in the foreground on a given storage
/// directory and port, without auth.
enum RegistryCommand {
    static let usage = """
        modelget-testkit registry --storage DIR --port N [--config-out FILE]
          Writes a no-auth config (to FILE, or a temporary file) and replaces
          itself with `docker-registry serve` listening on 127.0.0.1:N.
        """

    static func run(_ arguments: ArraySlice<String>) throws {
        let options = try Options(arguments, valued: ["storage", "port", "config-out"], flags: [])
        let storage = URL(fileURLWithPath: try options.required("storage"), isDirectory: true)
        guard let port = try options.count("port"), (1...65535).contains(port) else {
            throw UsageError("--port must be 1…65535")
        }
        let configFile = URL(fileURLWithPath: options.optional("config-out")
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("modelget-registry-\(port).yml").path)
        try FileManager.default.createDirectory(at: storage, withIntermediateDirectories: true)
        try RegistryConfiguration(storageRoot: storage.standardizedFileURL, port: Int(port)).yaml
            .write(to: configFile, atomically: true, encoding: .utf8)

        let words = ["docker-registry", "serve", configFile.path]
        let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        execvp(words[0], argv)
        throw ExecError(errno: errno)
    }

    /// `execvp` returned, so docker-registry could not be started.
    struct ExecError: Error, CustomStringConvertible {
        let errno: Int32
        var description: String { "cannot run docker-registry: \(String(cString: strerror(errno)))" }
    }
}
