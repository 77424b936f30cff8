import ArgumentParser
@testable import ModelGetCLI
import Testing

/// Every command's `--help` (and `modelget help COMMAND`) is what a usage
/// error's hint promises: every flag, with examples, on stdout, exit 0.
@Suite struct HelpTests {
    static let commands = ModelGetCommand.configuration.subcommands.map { $0._commandName }

    @Test(arguments: commands)
    func helpShowsTheUsageAndExamples(_ command: String) async throws {
        let cli = try InProcessCLI()
        defer { cli.cleanUp() }
        let help = await cli.run([command, "--help"])
        #expect(help.status == 0)
        #expect(help.err.isEmpty, "\(help.err)")
        #expect(help.out.hasPrefix("OVERVIEW: ") && help.out.contains("USAGE: modelget \(command)"), "\(help.out)")
        #expect(help.out.contains("\nEXAMPLES:\n  "), "\(command) --help has no examples")
        let asked = await cli.run(["help", command])
        #expect(asked.status == 0 && asked.out == help.out)
    }

    @Test func theRootHelpListsEveryCommand() async throws {
        let cli = try InProcessCLI()
        defer { cli.cleanUp() }
        let help = await cli.run(["--help"])
        #expect(help.status == 0 && help.err.isEmpty)
        for command in Self.commands {
            #expect(help.out.contains("\n  \(command) ") || help.out.contains("\n  \(command), "), "\(command) missing from: \(help.out)")
        }
    }
}
