import ArgumentParser
import Foundation
import ModelGet

/// Runs the command line and maps failures to exit codes: 0 done, 1
/// failed, 2 bad usage, 130 interrupted. Errors are one line on stderr.
@main
enum Main {
    static func main() async {
        do {
            var command = try ModelGetCommand.parseAsRoot()
            if var command = command as? AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch let error as ModelGetError {
            Terminal.printError("modelget: \(error)")
            exit(error.exitCode)
        } catch let error as ExitCode {
            exit(error.rawValue)
        } catch is CancellationError {
            Terminal.printError("modelget: interrupted")
            exit(130)
        } catch {
            let code = ModelGetCommand.exitCode(for: error)
            if code == .success {
                print(ModelGetCommand.fullMessage(for: error))
                exit(0)
            }
            Terminal.printError(ModelGetCommand.fullMessage(for: error))
            exit(code == .validationFailure ? 2 : 1)
        }
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
