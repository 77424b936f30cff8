import ArgumentParser
import Foundation
import ModelGet
import Synchronization

/// `-q/--quiet`, `-v/--verbose` and `--debug` (or `MODELGET_DEBUG=1`), for
/// the commands that talk to a registry: how much a person sees on stderr.
struct OutputFlags: ParsableArguments {
    @Flag(name: .shortAndLong, help: "Print only errors and the final line.")
    var quiet = false

    @Flag(name: .shortAndLong, help: "Also print each phase, redirect, resume and retry (with its reason).")
    var verbose = false

    @Flag(name: .long, help: "Also print each HTTP request and response line, credentials and signed links redacted (or set MODELGET_DEBUG=1).")
    var debug = false

    func validate() throws {
        if quiet && (verbose || debug) { throw ValidationError("--quiet cannot be combined with --verbose or --debug") }
    }

    /// The level these flags (and `MODELGET_DEBUG`) ask for.
    var verbosity: Verbosity {
        if debug || ProcessInfo.processInfo.environment["MODELGET_DEBUG"].map({ !$0.isEmpty && $0 != "0" }) == true { return .debug }
        if verbose { return .verbose }
        return quiet ? .quiet : .normal
    }

    /// Makes these flags the process's: sets `Verbosity.current` and sends
    /// the library's `Diagnostics` to stderr at that level.
    func apply() {
        Verbosity.current = verbosity
        let level: Diagnostics.Level? = switch verbosity {
        case .debug: .debug
        case .verbose: .verbose
        case .normal, .quiet: nil
        }
        // Messages come from the transport's threads too: each goes to this command's sink.
        let sink = CommandOutput.sink
        Diagnostics.install(level.map {
            Diagnostics.Handler(level: $0) { _, message in
                CommandOutput.$sink.withValue(sink) { Console.shared.message(DisplayText.line(message)) }
            }
        })
    }
}

/// How much the running command prints on stderr besides errors.
enum Verbosity: Int, Sendable, Comparable {
    case quiet, normal, verbose, debug

    static func < (a: Verbosity, b: Verbosity) -> Bool { a.rawValue < b.rawValue }

    private static let level = Atomic<Int>(Verbosity.normal.rawValue)

    /// Set once by `OutputFlags.apply`; `normal` for commands without the flags.
    static var current: Verbosity {
        get { Verbosity(rawValue: level.load(ordering: .relaxed)) ?? .normal }
        set { level.store(newValue.rawValue, ordering: .relaxed) }
    }
}
