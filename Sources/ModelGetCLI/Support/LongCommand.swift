import ArgumentParser

/// A command that moves bytes for a while (pull, push, copy, sync, blob,
/// extract, export, import, verify, serve). It writes `work()`; the
/// `run()` given here is the only one it has, so no long command can
/// forget Ctrl-C and SIGTERM: they cancel the work, which ends in one line
/// saying how to resume and exit 130 (`Interruption`); `CommandLineRunner`
/// turns that, as any failure, into the line and the JSON `error` event.
protocol LongCommand: AsyncParsableCommand, Sendable {
    /// Who answers SIGINT and SIGTERM; `.interruption` unless the work
    /// stops itself (serve).
    static var signals: SignalOwner { get }

    /// The command's work, cancelled by SIGINT or SIGTERM.
    func work() async throws
}

/// Who answers SIGINT and SIGTERM while a long command runs.
enum SignalOwner {
    /// `Interruption`: the work is cancelled and the command exits 130.
    case interruption
    /// The work itself: serve's server finishes the responses in flight and
    /// returns (exit 0), as Hummingbird's service group does on those signals.
    case work
}

extension LongCommand {
    static var signals: SignalOwner { .interruption }

    func run() async throws {
        switch Self.signals {
        case .interruption: try await Interruption.run { [self] in try await work() }
        case .work: try await work()
        }
    }
}
