import ArgumentParser
import Foundation
import ModelGet

/// `modelget prune`: remove blobs no manifest uses and stale partial files.
struct Prune: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove blobs no model uses and stale partial downloads.",
        discussion: Examples.text([
            "modelget prune --dry-run",
            "modelget prune --partial-age 0   # also the partials of the last hour",
        ], before: "A partial download written to within --partial-age is kept for a later pull to resume; one a running modelget holds is kept whatever its age."))

    @Option(name: .long, help: ArgumentHelp(
        "Keep leftover partial and temporary files written in the last this many seconds (ollama may still be writing its own; a file a running modelget holds is kept whatever its age).",
        valueName: "seconds"))
    var partialAge: Int = 3600
    @Flag(name: .long, help: "Only report what would be removed.") var dryRun = false
    @OptionGroup var models: ModelsOption
    @OptionGroup var report: JSONOption

    func validate() throws {
        guard partialAge >= 0 else { throw ValidationError("--partial-age must be 0 or more seconds") }
    }

    func run() throws {
        let result = try models.store.prune(partialAge: TimeInterval(partialAge), dryRun: dryRun)
        let recent = result.keptPartials.filter { !$0.inUse }, inUse = result.keptPartials.filter(\.inUse)
        if report.json {
            for blob in result.unreferencedBlobs {
                JSONLines.emit(["event": dryRun ? "would_remove" : "removed", "digest": blob.digest.description, "size": blob.size])
            }
            for partial in result.stalePartials {
                JSONLines.emit(["event": dryRun ? "would_remove" : "removed", "path": partial.name, "size": partial.size])
            }
            JSONLines.emit([
                "event": "done", "dry_run": dryRun, "blobs_removed": result.unreferencedBlobs.count,
                "partials_removed": result.stalePartials.count, "bytes_freed": result.freedBytes,
                "partials_kept": recent.count, "partial_bytes_kept": recent.reduce(0) { $0 + $1.size },
                "partials_in_use": inUse.count, "kept_for_running_pull": result.keptForRunningPull,
            ])
            return
        }
        let verb = dryRun ? "would remove" : "removed"
        for blob in result.unreferencedBlobs { print("\(verb) \(blob.digest) (\(ProgressFormat.bytes(blob.size)))") }
        for partial in result.stalePartials { print("\(verb) \(DisplayText.line(partial.name)) (\(ProgressFormat.bytes(partial.size)))") }
        if result.keptForRunningPull { print("kept every blob: a pull is running in this store and may not have named its blobs yet") }
        if !recent.isEmpty {
            print("kept \(recent.count) partial downloads (\(ProgressFormat.bytes(recent.reduce(0) { $0 + $1.size }))) written in the "
                + "last \(ProgressFormat.duration(TimeInterval(partialAge))) for a pull to resume; --partial-age 0 removes them")
        }
        if !inUse.isEmpty { print("kept \(inUse.count) partial downloads a running modelget is writing") }
        print("\(verb) \(result.unreferencedBlobs.count) blobs and \(result.stalePartials.count) partial files: "
            + "\(ProgressFormat.bytes(result.freedBytes)) \(dryRun ? "to free" : "freed")")
    }
}
