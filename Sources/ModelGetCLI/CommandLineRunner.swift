import ArgumentParser
import Foundation
import ModelGet

/// Runs a command line and maps failures to exit statuses: 0 done, 1
/// failed, 2 bad usage, 130 interrupted. Errors are one line on stderr
/// (a usage error adds one hint line); with `--json` each is also an
/// `{"event":"error","kind","message"}` object on stdout. The `modelget`
/// executable exits with the status it returns.
package enum CommandLineRunner {
    /// Runs `arguments` (the command line without the program name) with
    /// its output going to `output`, and returns the exit status.
    package static func run(_ arguments: [String], output: any OutputSink = ProcessOutput()) async -> Int32 {
        await CommandOutput.$sink.withValue(output) { await run(arguments) }
    }

    private static func run(_ arguments: [String]) async -> Int32 {
        let json = arguments.contains("--json")
        if let unknown = CommandNames.unknown(in: arguments) {
            return fail(unknown.message, kind: .usage, status: 2, hint: unknown.hint, json: json)
        }
        do {
            var command = try ModelGetCommand.parseAsRoot(arguments)
            if let networked = command as? NetworkCommand {
                NetworkSettings.current = try networked.network.settings()
            }
            if var command = command as? AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
            return 0
        } catch let error as ModelGetError {
            return fail(error.description, kind: error.kind, status: error.exitCode, json: json)
        } catch let error as ExitCode {
            return error.rawValue
        } catch is CancellationError {
            return fail("interrupted", kind: .interrupted, status: 130, json: json)
        } catch {
            let code = ModelGetCommand.exitCode(for: error)
            if code == .success {
                print(ModelGetCommand.fullMessage(for: error))
                return 0
            }
            let message = DisplayText.line(ModelGetCommand.message(for: error))
            if code == .validationFailure {
                let command = CommandNames.command(in: arguments).map { "modelget \($0) --help" } ?? "modelget --help"
                return fail(message, kind: .usage, status: 2, hint: "hint: \(command) shows every flag, with examples", json: json)
            }
            return fail(message, kind: .other, status: 1, json: json)
        }
    }

    /// Reports a failure: the JSON object first (with `--json`), then the
    /// line (and hint) on stderr; returns `status`.
    private static func fail(_ message: String, kind: ErrorKind, status: Int32, hint: String? = nil, json: Bool) -> Int32 {
        if json { JSONLines.emit(["event": "error", "kind": kind.rawValue, "message": message]) }
        Terminal.printError("modelget: \(message)")
        if let hint { Terminal.printError(hint) }
        return status
    }
}

extension ModelGetError {
    /// 2 for bad usage, 130 for an interruption, 1 for every other failure.
    var exitCode: Int32 {
        switch self {
        case .usage, .invalidReference: return 2
        case .cancelled, .interrupted: return 130
        default: return 1
        }
    }
}
