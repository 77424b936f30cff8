import ArgumentParser
@testable import ModelGetCLI
import Testing

/// Every command that moves bytes for a while is a `LongCommand`, so
/// SIGINT and SIGTERM end it in one line and exit 130 (the signal itself
/// is sent to real processes in `Tests/IntegrationTests/InterruptTests`).
@Suite struct LongCommandTests {
    private static var subcommands: [any ParsableCommand.Type] { ModelGetCommand.configuration.subcommands }

    @Test func theCommandsThatMoveBytesAreLongCommands() {
        let long = Self.subcommands.filter { $0 is any LongCommand.Type }.map { $0._commandName }
        #expect(Set(long) == ["pull", "push", "copy", "blob", "sync", "extract", "export", "import", "verify", "serve"])
    }

    /// A new command that talks to a registry for a while takes
    /// `--retry-window`: it cannot be one that a signal kills mid-write.
    @Test func everyCommandWithARetryWindowIsALongCommand() {
        for command in Self.subcommands where command.helpMessage().contains("--retry-window") {
            #expect(command is any LongCommand.Type, "\(command) takes --retry-window but is not a LongCommand")
        }
    }

    /// serve drains its responses on a signal and exits 0; the others are cancelled.
    @Test func onlyServeOwnsItsSignals() {
        let owners = Self.subcommands.compactMap { $0 as? any LongCommand.Type }.filter { $0.signals == .work }
        #expect(owners.map { $0._commandName } == ["serve"])
    }
}
