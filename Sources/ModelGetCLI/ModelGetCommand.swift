import ArgumentParser
import Foundation
import ModelGet

/// The root command: it only lists the subcommands.
struct ModelGetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "modelget",
        abstract: "Pull, push and mirror models in Ollama and OCI registries.",
        discussion: Examples.text([
            "modelget pull llama3.2:1b",
            "modelget ls",
            "modelget login ghcr.io -u alice --password-stdin < token.txt",
            "modelget tags ghcr.io/org/model",
        ], before: "Each command's --help (and man modelget.<command>) has its flags and examples. Shell completions: "
            + "modelget --generate-completion-script bash|zsh|fish (make install puts them in place)."),
        version: UserAgent.version,
        subcommands: [Pull.self, Push.self, Copy.self, Blob.self, Sync.self, Outdated.self, List.self, Show.self, Tag.self, Tags.self,
                      Remove.self, Verify.self, Prune.self, Extract.self, Export.self, Import.self, Login.self, Logout.self, Serve.self]
    )
}
