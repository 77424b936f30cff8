import Foundation
import ModelGet

/// Asking a person at the terminal (login's user name and password).
enum Prompt {
    /// A line typed on the terminal, after `question` on stderr.
    static func line(_ question: String) throws -> String {
        guard isatty(STDIN_FILENO) == 1 else { throw ModelGetError.usage("no terminal to ask on: pass --username (and --password-stdin)") }
        Terminal.write(question)
        return readLine(strippingNewline: true) ?? ""
    }

    /// A line typed with echo off, after `question` on stderr.
    static func secret(_ question: String) throws -> String {
        guard isatty(STDIN_FILENO) == 1 else { throw ModelGetError.usage("no terminal to ask on: pass the password with --password-stdin") }
        var saved = termios()
        tcgetattr(STDIN_FILENO, &saved)
        var silent = saved
        silent.c_lflag &= ~tcflag_t(ECHO)
        tcsetattr(STDIN_FILENO, TCSANOW, &silent)
        defer {
            tcsetattr(STDIN_FILENO, TCSANOW, &saved)
            Terminal.write("\n")
        }
        Terminal.write(question)
        return readLine(strippingNewline: true) ?? ""
    }

    /// All of standard input, without the trailing newline (`--password-stdin`, as docker reads it).
    static func standardInput() -> String {
        let data = FileHandle.standardInput.readDataToEndOfFile()
        var text = String(decoding: data, as: UTF8.self)
        while text.hasSuffix("\n") || text.hasSuffix("\r") { text.removeLast() }
        return text
    }
}
