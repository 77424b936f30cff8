import ArgumentParser
import Foundation
import ModelGet

/// `modelget prune`: remove blobs no manifest uses and stale partial files.
struct Prune: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Remove blobs no model uses and stale partial downloads.")

    @Option(name: .long, help: "Keep leftover partial and temporary files written in the last N seconds (ollama may still be writing its own; a file a running modelget holds is kept whatever its age).")
    var partialAge: Double = 3600
    @Flag(name: .long, help: "Only report what would be removed.") var dryRun = false
    @OptionGroup var models: ModelsOption

    func run() throws {
        let result = try models.store.prune(partialAge: partialAge, dryRun: dryRun)
        let verb = dryRun ? "would remove" : "removed"
        for blob in result.unreferencedBlobs { print("\(verb) \(blob.digest) (\(ProgressFormat.bytes(blob.size)))") }
        for partial in result.stalePartials { print("\(verb) \(DisplayText.line(partial.name)) (\(ProgressFormat.bytes(partial.size)))") }
        if result.keptForRunningPull { print("kept every blob: a pull is running in this store and may not have named its blobs yet") }
        print("\(verb) \(result.unreferencedBlobs.count) blobs and \(result.stalePartials.count) partial files: "
            + "\(ProgressFormat.bytes(result.freedBytes)) \(dryRun ? "to free" : "freed")")
    }
}
