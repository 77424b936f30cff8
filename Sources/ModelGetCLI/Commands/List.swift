import ArgumentParser
import Foundation
import ModelGet

/// `modelget list`: the models in the store, like `ollama list`.
struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list", abstract: "List the models in the models directory.",
        discussion: Examples.text(["modelget list", "modelget ls --json"]),
        aliases: ["ls"])

    @OptionGroup var models: ModelsOption
    @OptionGroup var report: JSONOption

    func run() throws {
        let catalog = try models.store.catalog()
        if report.json {
            for model in catalog.models {
                JSONLines.emit(["name": model.displayName, "reference": model.reference.description,
                                "digest": model.manifestDigest.description, "size": model.size,
                                "modified": ISO8601DateFormatter().string(from: model.modified)])
            }
        } else {
            let rows = catalog.models.map { [$0.displayName, String($0.manifestDigest.hex.prefix(12)),
                                             ProgressFormat.bytes($0.size), Table.age($0.modified)] }
            print(Table.render(header: ["NAME", "ID", "SIZE", "MODIFIED"], rows: rows), terminator: "")
        }
        for file in catalog.unreadable { Terminal.printError("modelget: unreadable manifest " + DisplayText.line("\(file.path): \(file.reason)")) }
    }
}
