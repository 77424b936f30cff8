import ArgumentParser
import Foundation
import ModelGet

/// `modelget cp SOURCE TARGET` (or `tag`): a stored model under another
/// name too, as `ollama cp` and `docker tag`; the blobs are shared.
struct Tag: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cp",
        abstract: "Store a model under another name too, as ollama cp and docker tag do; no blob is copied.",
        discussion: Examples.text([
            "modelget cp llama3 mine/llama3:stable",
            "modelget tag 127.0.0.1:5000/team/tiny:v1 tiny:latest",
        ], before: "Names are read as pull reads them (a name without a host is registry.ollama.ai's). An existing TARGET is replaced. Copying between registries is `modelget copy`."),
        aliases: ["tag"])

    @Argument(help: ArgumentHelp("The stored model.", valueName: "source")) var source: String
    @Argument(help: ArgumentHelp("The new name.", valueName: "target")) var target: String
    @OptionGroup var models: ModelsOption
    @OptionGroup var report: JSONOption

    func validate() throws {
        do {
            _ = try Reference(parsing: source)
            _ = try Reference(parsing: target)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    func run() async throws {
        let from = try Reference(parsing: source)
        let model = try await models.store.tag(from, as: try Reference(parsing: target))
        if report.json {
            JSONLines.emit(["event": "copied", "source": from.displayName, "name": model.displayName,
                            "digest": model.manifestDigest.description])
        } else {
            print("copied '\(DisplayText.line(from.displayName))' to '\(DisplayText.line(model.displayName))'")
        }
    }
}
