import ArgumentParser
import Foundation
import ModelGet

/// `modelget sync FILE.json`: bring the store in line with a model list.
struct Sync: LongCommand {
    static let configuration = CommandConfiguration(
        abstract: "Pull every model a list names (see models.example.json); a second run fetches nothing.",
        discussion: Examples.text(["modelget sync models.json", "modelget sync models.json --dry-run", "modelget sync models.json --prune"],
                                  before: "The file names the models, and may set concurrency, models_dir and a mirror every model is pushed to (see models.example.json). --dry-run exits 1 when a model cannot be resolved."))

    @Argument(help: "The model list (JSON).") var file: String
    @Flag(name: .long, help: "Remove stored models the list does not name, and blobs no model uses.") var prune = false
    @Flag(name: .long, help: "Print what would be fetched, pushed and removed, and stop.") var dryRun = false
    @OptionGroup var transfer: TransferFlags
    @OptionGroup var download: DownloadOptions
    @OptionGroup var models: ModelsOption
    @OptionGroup var network: NetworkOptions
    @OptionGroup var mirrors: MirrorOptions
    @OptionGroup var report: JSONOption
    @OptionGroup var verbosity: OutputFlags

    func work() async throws {
        verbosity.apply()
        try await sync()
    }

    private func sync() async throws {
        let list = try SyncFile.load(path: file)
        let store = models.directory == nil ? list.modelsDirectory.map { ModelStore(root: $0) } ?? models.store : models.store
        let options = transfer.options(download: download, fallback: list.concurrency)
        let mirror = PushingMirror(store: store, options: PushOptions(transfer: options))
        let router = try mirrors.router(credentials: CredentialStore(), stallTimeout: options.stallTimeout, retry: options.retry, json: report.json)
        let plan = try await SyncPlanner(store: store, router: router).plan(list, prune: prune)
        if dryRun {
            printPlan(plan, list, store: store)
            // A model that cannot be resolved would fail the real run.
            if plan.models.contains(where: { $0.failure != nil }) { throw ExitCode.failure }
            return
        }
        let progress = TransferProgress()
        let display = ProgressDisplay(progress: progress, label: "syncing \(list.models.count) models", json: report.json)
        let report = try await display.showing {
            try await ModelSyncer(store: store, transfer: options, mirror: mirror)
                .run(plan, file: list, progress: progress)
        }
        // Interrupted: the models it cut short are not failures to report.
        try Task.checkCancellation()
        printReport(report)
        if !report.failures.isEmpty { throw ExitCode.failure }
    }

    private func printPlan(_ plan: SyncPlan, _ list: SyncFile, store: ModelStore) {
        for model in plan.models {
            let name = model.entry.reference.displayName
            if let failure = model.failure { print("cannot resolve \(name): \(DisplayText.line(failure))"); continue }
            let bytes = model.missing.totalSize
            print(model.upToDate ? "\(name): up to date"
                : "\(name): fetch \(model.missing.count) blobs (\(ProgressFormat.bytes(bytes)), shared blobs fetched once)")
            if let mirror = list.mirror, let manifest = model.manifest {
                let size = manifest.blobs.totalSize
                print("  push to \(mirror.destination(for: model.entry.reference)) (up to \(ProgressFormat.bytes(size)))")
            }
        }
        for model in plan.removals { print("remove \(model.displayName) (\(ProgressFormat.bytes(model.size)))") }
        let partial = plan.fetch.reduce(0) { $0 + store.partialBytes(of: $1) }
        let missing = plan.fetchBytes - partial
        var line = "would fetch \(plan.fetch.count) blobs, \(ProgressFormat.bytes(missing)) still missing"
            + (partial > 0 ? " (\(ProgressFormat.bytes(partial)) more already in partial downloads)" : "")
            + (plan.removals.isEmpty ? "" : ", and remove \(plan.removals.count) models")
        if let free = store.availableBytes() {
            line += "; \(ProgressFormat.bytes(free)) free in \(store.root.path)" + (free < missing ? ": NOT ENOUGH SPACE" : "")
        }
        print(line)
    }

    private func printReport(_ report: SyncReport) {
        for outcome in report.outcomes {
            let name = outcome.reference.displayName
            switch outcome.status {
            case .upToDate: print("\(name): up to date")
            case .pulled: print("\(name): pulled")
            case let .failed(reason): print("\(name): FAILED: \(DisplayText.line(reason))")
            }
            if let target = outcome.mirroredTo { print("  pushed to \(target)") }
        }
        for model in report.removed { print("removed \(model.displayName)") }
        let fetched = report.blobsFetched == 0 ? "nothing fetched (every blob was already in the store)"
            : "fetched \(report.blobsFetched) blobs (\(ProgressFormat.bytes(report.bytesTransferred)))"
        var summary = "sync: \(fetched)"
        if report.freedBytes > 0 { summary += "; freed \(ProgressFormat.bytes(report.freedBytes))" }
        if !report.failures.isEmpty {
            summary += "; \(report.failures.count) failed: " + report.failures.map { $0.reference.displayName }.joined(separator: ", ")
        }
        print(summary)
    }
}
