import ArgumentParser
import Foundation
import ModelGet

/// Runs the command line and maps failures to exit codes: 0 done, 1
/// failed, 2 bad usage, 130 interrupted. Errors are one line on stderr
/// (a usage error adds one hint line); with `--json` each is also an
/// `{"event":"error","kind","message"}` object on stdout.
@main
enum Main {
    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        if let unknown = CommandNames.unknown(in: arguments) {
            fail(unknown.message, kind: .usage, status: 2, hint: unknown.hint, json: arguments.contains("--json"))
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
        } catch let error as ModelGetError {
            fail(error.description, kind: error.kind, status: error.exitCode, json: arguments.contains("--json"))
        } catch let error as ExitCode {
            exit(error.rawValue)
        } catch is CancellationError {
            fail("interrupted", kind: .interrupted, status: 130, json: arguments.contains("--json"))
        } catch {
            let code = ModelGetCommand.exitCode(for: error)
            if code == .success {
                print(ModelGetCommand.fullMessage(for: error))
                exit(0)
            }
            let message = DisplayText.line(ModelGetCommand.message(for: error))
            if code == .validationFailure {
                let command = CommandNames.command(in: arguments).map { "modelget \($0) --help" } ?? "modelget --help"
                fail(message, kind: .usage, status: 2, hint: "hint: \(command) shows every flag, with examples",
                     json: arguments.contains("--json"))
            }
            fail(message, kind: .other, status: 1, json: arguments.contains("--json"))
        }
    }

    /// Reports a failure: the JSON object first (with `--json`), then the
    /// line (and hint) on stderr; exits with `status`.
    static func fail(_ message: String, kind: ErrorKind, status: Int32, hint: String? = nil, json: Bool) -> Never {
        if json { JSONLines.emit(["event": "error", "kind": kind.rawValue, "message": message]) }
        Terminal.printError("modelget: \(message)")
        if let hint { Terminal.printError(hint) }
        exit(status)
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
