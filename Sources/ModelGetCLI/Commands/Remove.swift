import ArgumentParser
import Foundation
import ModelGet

/// `modelget rm REF`: the manifest, then the blobs no other model uses.
struct Remove: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm", abstract: "Remove a model; blobs another model uses are kept.",
        discussion: Examples.text(["modelget rm llama3", "modelget rm 127.0.0.1:5000/team/tiny:v1 mine/tiny:stable"]))

    @Argument(help: "The models to remove.") var references: [String]
    @OptionGroup var models: ModelsOption
    @OptionGroup var report: JSONOption

    func validate() throws {
        guard !references.isEmpty else { throw ValidationError("name at least one model") }
        do { try references.forEach { _ = try Reference(parsing: $0) } } catch { throw ValidationError("\(error)") }
    }

    func run() throws {
        for reference in references {
            let result = try models.store.remove(try Reference(parsing: reference))
            let kept = result.keptForRunningPull
                ? "; kept its \(result.keptBlobs.count) blobs while a pull runs in this store (run prune later)"
                : result.keptBlobs.isEmpty ? "" : "; kept \(result.keptBlobs.count) blobs other models use"
            if report.json {
                JSONLines.emit(["event": "removed", "name": result.model.displayName, "blobs_removed": result.removedBlobs.count,
                                "blobs_kept": result.keptBlobs.count, "bytes_freed": result.freedBytes])
            } else {
                print("deleted '\(DisplayText.line(result.model.displayName))': freed \(ProgressFormat.bytes(result.freedBytes)) (\(result.removedBlobs.count) blobs)\(kept)")
            }
        }
    }
}
