import ArgumentParser
import Foundation
import ModelGet
import Synchronization

/// `--models DIR`: the models directory a command reads or writes.
struct ModelsOption: ParsableArguments {
    @Option(name: .customLong("models"), help: ArgumentHelp(
        "Models directory (default: $OLLAMA_MODELS, else ~/.ollama/models, else ollama's service store \(ModelsDirectory.serviceStore) when only that exists).",
        valueName: "dir"))
    var directory: String?

    /// The store `--models` names, else the one ollama would use (with a
    /// note on stderr, once, when that choice needs saying).
    var store: ModelStore {
        let choice = ModelsDirectory.choose(explicit: directory)
        if let note = choice.note, ModelsOption.noted.withLock({ let first = !$0; $0 = true; return first }) {
            Terminal.printError("modelget: \(note)")
        }
        return ModelStore(root: choice.root)
    }

    /// Whether the note about the chosen models directory was printed.
    private static let noted = Mutex(false)
}
