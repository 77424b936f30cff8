import Foundation
import TestSupport
import XCTest

/// Runs the built `modelget` binary against a models directory, and seeds
/// a real docker-registry with generated models.
struct CLIHarness {
    let models: URL
    let scratch: URL

    init() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("modelget-tools-\(UUID().uuidString)")
        models = scratch.appendingPathComponent("models")
        try FileManager.default.createDirectory(at: models, withIntermediateDirectories: true)
    }

    func cleanUp() { try? FileManager.default.removeItem(at: scratch) }

    /// Commands that take no `--models` (they touch no store).
    static let storeless: Set<String> = ["login", "logout", "tags"]

    /// The `modelget` executable next to the test bundle.
    static var binary: URL { BuiltModelget.url }

    /// Starts `modelget arguments… --models <models>` (no `--models` for a
    /// `storeless` command), with `environment`
    /// added to this process's own and `input` (if any) on its stdin.
    func start(_ arguments: [String], stdout: FileHandle? = nil, environment: [String: String] = [:],
               input: Data? = nil) throws -> (Process, Pipe, Pipe) {
        let process = Process()
        process.executableURL = Self.binary
        process.arguments = arguments + (Self.storeless.contains(arguments.first ?? "") ? [] : ["--models", models.path])
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
        let out = Pipe(), err = Pipe()
        process.standardOutput = stdout ?? out
        process.standardError = err
        let stdin = Pipe()
        process.standardInput = input == nil ? FileHandle.nullDevice : stdin
        try process.run()
        if let input {
            stdin.fileHandleForWriting.write(input)
            try? stdin.fileHandleForWriting.close()
        }
        return (process, out, err)
    }

    /// Runs to the end; returns exit status, stdout and stderr.
    @discardableResult
    func run(_ arguments: [String], environment: [String: String] = [:], input: Data? = nil) throws -> (status: Int32, out: Data, err: String) {
        let (process, out, err) = try start(arguments, environment: environment, input: input)
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, output, String(decoding: errors, as: UTF8.self))
    }

    /// Seeds an Ollama-style model into the registry as `repository:tag`.
    static func seed(_ registry: RegistryProcess, _ repository: String, tag: String = "latest", sizes: [Int64], seed: UInt64,
                     in directory: URL) throws -> GeneratedModel {
        let model = try ModelSeeder.ollamaModel(layerSizes: sizes, seed: seed, in: directory.appendingPathComponent("gen-\(seed)"))
        try ModelSeeder.write(model, to: registry.storageRoot, repository: repository, tag: tag)
        return model
    }

    func blobPath(_ digest: String) -> String {
        models.path + "/blobs/" + digest.replacingOccurrences(of: "sha256:", with: "sha256-")
    }
}

extension Data {
    var text: String { String(decoding: self, as: UTF8.self) }
    /// The text with a summary wrapped to fit 80 columns (`head` then the
    /// detail indented on the next line) joined back into `head: detail`.
    var summary: String { text.replacingOccurrences(of: "\n  ", with: ": ") }
}
