import ArgumentParser
import Foundation
import ModelGet

/// `modelget verify [REF]`: re-hash blobs; `--repair` fetches bad ones again.
struct Verify: LongCommand {
    static let configuration = CommandConfiguration(
        abstract: "Re-hash the blobs of one model or of all, reporting each missing or corrupt one.",
        discussion: Examples.text(["modelget verify", "modelget verify llama3 --repair", "modelget verify --json"],
                                  before: "Exits 1 when a blob is missing or corrupt (after --repair: when one could not be fetched again)."))

    @Argument(help: ArgumentHelp("The model (default: every model).", valueName: "reference")) var reference: String?
    @Flag(name: .long, help: "Fetch missing or corrupt blobs again from their registry.") var repair = false
    @OptionGroup var transfer: TransferFlags
    @OptionGroup var models: ModelsOption
    @OptionGroup var access: InsecureOption
    @OptionGroup var report: JSONOption
    @OptionGroup var verbosity: OutputFlags
    @OptionGroup var network: NetworkOptions
    @OptionGroup var mirrors: MirrorOptions

    func validate() throws {
        do { _ = try reference.map(Reference.init(parsing:)) } catch { throw ValidationError("\(error)") }
    }

    func work() async throws {
        verbosity.apply()
        try await verify()
    }

    private func verify() async throws {
        let store = models.store
        let catalog = try store.catalog()
        let models = try reference.map { [try store.model(try Reference(parsing: $0))] } ?? catalog.models
        let report = try await store.verify(models)
        let unreadable = reference == nil ? catalog.unreadable : []
        for file in unreadable { say("unreadable manifest " + DisplayText.line("\(file.path): \(file.reason)"),
                                    ["event": "unreadable", "path": file.path, "reason": DisplayText.line(file.reason)]) }
        for problem in report.problems {
            say(DisplayText.line(problem.summary), ["event": "problem", "digest": problem.descriptor.digest.description,
                                                    "problem": Self.word(problem.kind), "models": problem.models])
        }
        let unreadableNote = unreadable.isEmpty ? "" : "; \(unreadable.count) unreadable manifests"
        say("checked \(report.blobsChecked) blobs of \(models.count) models (\(ProgressFormat.bytes(report.bytesHashed))): "
            + (report.problems.isEmpty && unreadable.isEmpty ? "all good" : "\(report.problems.count) bad\(unreadableNote)"),
            ["event": "checked", "blobs": report.blobsChecked, "models": models.count, "bytes_hashed": report.bytesHashed,
             "bad": report.problems.count, "unreadable": unreadable.count])
        guard !report.problems.isEmpty else {
            if !unreadable.isEmpty { throw ExitCode.failure }
            return
        }
        guard repair else { throw ExitCode.failure }
        let router = try mirrors.router(credentials: CredentialStore(), stallTimeout: transfer.stallTimeout, retry: transfer.retry, json: self.report.json)
        let failures = await BlobRepairer(store: store, router: router, insecure: access.insecure, transfer: transfer.options())
            .repair(report.problems, models: models)
        for (problem, error) in failures {
            Terminal.printError("modelget: could not repair \(problem.descriptor.digest): \(error)")
            if self.report.json {
                JSONLines.emit(["event": "error", "kind": (error as? ModelGetError)?.kind.rawValue ?? ErrorKind.other.rawValue,
                                "digest": problem.descriptor.digest.description, "message": "\(error)"])
            }
        }
        say("repaired \(report.problems.count - failures.count) of \(report.problems.count) blobs",
            ["event": "repaired", "blobs": report.problems.count - failures.count, "failed": failures.count])
        if !failures.isEmpty || !unreadable.isEmpty { throw ExitCode.failure }
    }

    /// A line of text, or its JSON object with `--json`.
    private func say(_ line: String, _ object: [String: Any]) {
        if report.json { JSONLines.emit(object) } else { print(line) }
    }

    private static func word(_ kind: BlobProblem.Kind) -> String {
        switch kind {
        case .missing: return "missing"
        case .sizeMismatch: return "size_mismatch"
        case .digestMismatch: return "digest_mismatch"
        }
    }
}
