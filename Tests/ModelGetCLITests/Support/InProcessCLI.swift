import Foundation
import ModelGetCLI

/// Runs modelget command lines in this process, through the same door as
/// the executable (`CommandLineRunner.run`), against a models directory of
/// its own: for what needs no process of its own (parsing, validation,
/// usage errors and their hints, JSON shapes, the store). What only a real
/// process shows (its exit status, a signal, stdin, the environment,
/// `blob -o -` writing to descriptor 1) stays in `Tests/IntegrationTests`.
struct InProcessCLI {
    let scratch: URL
    let models: URL

    /// Commands that take no `--models` (they touch no store).
    static let storeless: Set<String> = ["login", "logout", "tags", "help"]

    init() throws {
        scratch = FileManager.default.temporaryDirectory.appendingPathComponent("modelget-cli-\(UUID().uuidString)")
        models = scratch.appendingPathComponent("models")
        try FileManager.default.createDirectory(at: models, withIntermediateDirectories: true)
    }

    func cleanUp() { try? FileManager.default.removeItem(at: scratch) }

    /// Runs `modelget arguments… --models <models>` (no `--models` for a
    /// `storeless` command) to the end.
    func run(_ arguments: [String]) async -> CommandRun {
        let output = CapturedOutput()
        let models = Self.storeless.contains(arguments.first ?? "") ? [] : ["--models", models.path]
        let status = await CommandLineRunner.run(arguments + models, output: output)
        return CommandRun(status: status, out: output.out, err: output.err)
    }
}

/// How a command line ended: its exit status, stdout and stderr.
struct CommandRun {
    let status: Int32
    let out: String
    let err: String

    var errLines: [String] { err.split(separator: "\n").map(String.init) }

    /// Each line of stdout as a JSON object (nil for a line that is not one).
    var jsonObjects: [[String: Any]?] {
        out.split(separator: "\n").map { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
    }
}
