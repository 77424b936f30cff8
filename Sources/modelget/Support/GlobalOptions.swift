import ArgumentParser
import Foundation
import ModelGet
import Synchronization

/// Flags every store command shares: where the models live, how to talk
/// to registries, and how to report.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "Models directory (default: $OLLAMA_MODELS, else ~/.ollama/models, else ollama's service store \(ModelsDirectory.serviceStore) when only that exists).")
    var models: String?

    @Flag(name: .long, help: "Allow plain HTTP and unverified TLS for the registry.")
    var insecure = false

    @Flag(name: .long, help: "Print one JSON object per line instead of a progress line.")
    var json = false

    var store: ModelStore {
        let choice = ModelsDirectory.choose(explicit: models)
        if let note = choice.note, GlobalOptions.noted.withLock({ let first = !$0; $0 = true; return first }) {
            Terminal.printError("modelget: \(note)")
        }
        return ModelStore(root: choice.root)
    }

    /// Whether the note about the chosen models directory was printed.
    private static let noted = Mutex(false)
}
