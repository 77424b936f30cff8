import ArgumentParser
import Foundation
import ModelGet

/// `modelget verify [REF]`: re-hash blobs; `--repair` fetches bad ones again.
struct Verify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Re-hash the blobs of one model or of all, reporting each missing or corrupt one.")

    @Argument(help: "The model (default: every model).") var reference: String?
    @Flag(name: .long, help: "Fetch missing or corrupt blobs again from their registry.") var repair = false
    @OptionGroup var transfer: TransferFlags
    @OptionGroup var models: ModelsOption
    @OptionGroup var access: InsecureOption

    func validate() throws {
        do { _ = try reference.map(Reference.init(parsing:)) } catch { throw ValidationError("\(error)") }
    }

    func run() async throws {
        try await Interruption.run(json: false) { [self] in try await verify() }
    }

    private func verify() async throws {
        let store = models.store
        let catalog = try store.catalog()
        let models = try reference.map { [try store.model(try Reference(parsing: $0))] } ?? catalog.models
        let report = try await store.verify(models)
        let unreadable = reference == nil ? catalog.unreadable : []
        for file in unreadable { print("unreadable manifest " + DisplayText.line("\(file.path): \(file.reason)")) }
        for problem in report.problems { print(DisplayText.line(problem.summary)) }
        let unreadableNote = unreadable.isEmpty ? "" : "; \(unreadable.count) unreadable manifests"
        print("checked \(report.blobsChecked) blobs of \(models.count) models (\(ProgressFormat.bytes(report.bytesHashed))): "
            + (report.problems.isEmpty && unreadable.isEmpty ? "all good" : "\(report.problems.count) bad\(unreadableNote)"))
        guard !report.problems.isEmpty else {
            if !unreadable.isEmpty { throw ExitCode.failure }
            return
        }
        guard repair else { throw ExitCode.failure }
        let failures = await BlobRepairer(store: store, insecure: access.insecure, transfer: transfer.options()).repair(report.problems, models: models)
        for (problem, error) in failures { Terminal.printError("modelget: could not repair \(problem.descriptor.digest): \(error)") }
        print("repaired \(report.problems.count - failures.count) of \(report.problems.count) blobs")
        if !failures.isEmpty || !unreadable.isEmpty { throw ExitCode.failure }
    }
}
