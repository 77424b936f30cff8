import Foundation
import XCTest

/// `Tests/OllamaDownloadDouble/main.go`, built with Debian's Go, run as
/// ollama's blob download would run against a registry.
struct OllamaDownloadDouble {
    let binary: URL

    /// Builds the double into `directory`.
    init(buildingIn directory: URL) throws {
        let source = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("OllamaDownloadDouble/main.go")
        binary = directory.appendingPathComponent("ollama-download")
        let result = try Self.run("/usr/bin/go", ["build", "-o", binary.path, source.path],
                                  environment: ["GOCACHE": FileManager.default.temporaryDirectory.appendingPathComponent("modelget-go-cache").path,
                                                "GO111MODULE": "off", "HOME": directory.path, "PATH": "/usr/bin:/bin"])
        XCTAssertEqual(result.status, 0, result.output)
    }

    /// Downloads `digest` of `name` from `registry` (a base URL) into
    /// `output`, in parts of at least `minimumPart` bytes.
    func download(registry: String, name: String, digest: String, to output: URL, minimumPart: Int64) throws -> (status: Int32, output: String) {
        try Self.run(binary.path, ["-registry", registry, "-name", name, "-digest", digest, "-o", output.path,
                                   "-min-part", String(minimumPart)])
    }

    private static func run(_ executable: String, _ arguments: [String], environment: [String: String]? = nil) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
}
