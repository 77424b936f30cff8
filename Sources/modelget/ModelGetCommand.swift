import ArgumentParser
import Foundation
import ModelGet

/// The root command: it only lists the subcommands.
struct ModelGetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "modelget",
        abstract: "Pull, push and mirror models in Ollama and OCI registries.",
        version: UserAgent.version,
        subcommands: [Pull.self, Push.self, Copy.self, Blob.self, Sync.self, Outdated.self, List.self, Show.self, Remove.self, Verify.self, Prune.self, Extract.self, Export.self, Import.self, Serve.self]
    )
}
