import ArgumentParser
import Foundation
import ModelGet

/// Flags every store command shares: where the models live, how to talk
/// to registries, and how to report.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "Models directory (default: $OLLAMA_MODELS, else ~/.ollama/models).")
    var models: String?

    @Flag(name: .long, help: "Allow plain HTTP and unverified TLS for the registry.")
    var insecure = false

    @Flag(name: .long, help: "Print one JSON object per line instead of a progress line.")
    var json = false

    var store: ModelStore {
        ModelStore(root: models.map { URL(fileURLWithPath: $0) } ?? ModelStore.defaultRoot())
    }
}
