import ArgumentParser
import Foundation
import ModelGet

/// `modelget pull REF`: fetch a model into the store.
struct Pull: LongCommand {
    static let configuration = CommandConfiguration(
        abstract: "Pull a model into the models directory (Ollama's layout).",
        discussion: Examples.text(["modelget pull llama3.2:1b", "modelget pull 127.0.0.1:5000/team/tiny:v1 --insecure", "modelget pull ghcr.io/org/team/model --as ghcr.io/org/model", "modelget pull hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M", "modelget pull llama3 --limit-rate 50M -q"], before: "REF is [scheme://][host/][namespace/]model[:tag][@sha256:…], read as ollama reads it (a/b/c is host a); defaults: registry.ollama.ai, library, latest. A nested repository (ghcr.io/org/team/model) must be stored under a name ollama's store can hold: --as HOST/NAMESPACE/MODEL[:TAG].")
    )

    @Argument(help: "The model to pull, e.g. llama3 or 127.0.0.1:5000/team/tiny:v1 (with --outdated: only this stored model).")
    var reference: String?

    @OptionGroup var models: ModelsOption
    @OptionGroup var access: InsecureOption
    @OptionGroup var network: NetworkOptions
    @OptionGroup var mirrors: MirrorOptions
    @OptionGroup var report: JSONOption
    @OptionGroup var verbosity: OutputFlags

    @OptionGroup var transfer: TransferFlags

    @OptionGroup var signing: KeyOption
    @OptionGroup var platform: PlatformOption
    @OptionGroup var download: DownloadOptions

    @Option(name: .customLong("as"), help: ArgumentHelp("Store the model under this name (needed for a nested repository such as ghcr.io/org/team/model, which ollama's store cannot hold).", valueName: "name"))
    var storeAs: String?

    @Flag(name: .long, help: "Print the bytes still missing and the free space, and stop (nothing is downloaded or written).")
    var dryRun = false

    @Flag(name: .long, help: "Re-pull every stored model (or REF) whose tag names another manifest in its registry now (see `modelget outdated`).")
    var outdated = false

    func validate() throws {
        guard reference != nil || outdated else { throw ValidationError("Missing expected argument '<reference>'") }
        if outdated && storeAs != nil { throw ValidationError("--as cannot be used with --outdated: each model keeps its name") }
        do {
            _ = try reference.map(Reference.init(parsing:))
            _ = try storeAs.map(Reference.init(parsing:))
        } catch {
            throw ValidationError("\(error)")
        }
    }

    func work() async throws {
        verbosity.apply()
        if outdated { return try await pullOutdated() }
        let ref = try Reference(parsing: reference ?? "")
        let router = try mirrors.router(credentials: signing.credentials, stallTimeout: transfer.stallTimeout, retry: transfer.retry, json: report.json)
        try await pull(ref, storeAs: try storeAs.map(Reference.init(parsing:)), router: router)
    }

    /// `--outdated`: checks the stored models (or REF) and pulls each outdated one.
    private func pullOutdated() async throws {
        let results = try await Outdated.check(reference.map { [$0] } ?? [], models: models, insecure: access.insecure,
                                               signing: signing, mirrors: mirrors, json: report.json)
        let router = try mirrors.router(credentials: signing.credentials, stallTimeout: transfer.stallTimeout, retry: transfer.retry, json: report.json)
        var failed = false
        var pulled = 0
        for result in results {
            switch result.status {
            case .outdated:
                pulled += 1
                try await pull(result.reference, storeAs: nil, router: router)
            case let .failed(reason):
                failed = true
                Terminal.printError("modelget: cannot check \(result.reference.displayName): " + DisplayText.line(reason))
            case .upToDate, .pinned:
                break
            }
        }
        if pulled == 0 && !report.json { print("every stored model checked is up to date (\(results.count) checked)") }
        if failed { throw ExitCode.failure }
    }

    /// Pulls `ref` (or, with `--dry-run`, says what that would fetch).
    private func pull(_ ref: Reference, storeAs storeName: Reference?, router: SourceRouter) async throws {
        try models.store.checkStorable(storeName ?? ref)
        let sources = try router.sources(for: ref, insecure: access.insecure)
        if dryRun { return try await printPlan(ref, sources: sources) }
        let progress = TransferProgress()
        let display = ProgressDisplay(progress: progress, label: "pulling \((storeName ?? ref).displayName)", json: report.json)
        let started = Date()
        let store = models.store
        let options = PullOptions(transfer: transfer.options(download: download), platform: platform.value)
        let result = try await display.showing {
            try await ModelPuller(store: store, options: options).pull(ref, sources: sources, storeAs: storeName, progress: progress)
        }
        let seconds = Date().timeIntervalSince(started)
        if report.json {
            JSONLines.emit([
                "event": "done", "reference": result.reference, "digest": result.manifestDigest,
                "blobs": result.blobs, "blobs_present": result.blobsPresent, "total_bytes": result.totalBytes,
                "bytes_transferred": result.bytesTransferred, "seconds": (seconds * 1000).rounded() / 1000,
            ])
        } else {
            let fetched = result.blobs - result.blobsPresent
            print(Summary.text("pulled \((storeName ?? ref).displayName) (\(result.manifestDigest.prefix(19)))",
                               "\(result.blobs) blobs, \(ProgressFormat.binaryBytes(result.totalBytes)); fetched \(fetched) "
                               + "(\(ProgressFormat.binaryBytes(result.bytesTransferred))) in \(ProgressFormat.duration(seconds))"))
        }
    }

    /// `--dry-run`: the blobs and bytes still missing, and the free space.
    private func printPlan(_ ref: Reference, sources: PullSources) async throws {
        let options = PullOptions(transfer: transfer.options(download: download), platform: platform.value)
        let plan = try await ModelPuller(store: models.store, options: options).plan(ref, sources: sources)
        if report.json {
            var line: [String: Any] = [
                "event": "plan", "reference": ref.description, "digest": plan.manifestDigest.description, "blobs": plan.blobs.count,
                "blobs_missing": plan.missing.count, "missing_bytes": plan.missingBytes, "partial_bytes": plan.partialBytes, "fits": plan.fits,
            ]
            if let free = plan.freeBytes { line["free_bytes"] = free }
            JSONLines.emit(line)
            return
        }
        var text = "\(ref.displayName) (\(plan.manifestDigest.description.prefix(19))): "
        text += plan.missing.isEmpty ? "every blob is in the store; nothing to fetch"
            : "would fetch \(plan.missing.count) of \(plan.blobs.count) blobs, \(ProgressFormat.bytes(plan.missingBytes)) still missing"
                + (plan.partialBytes > 0 ? " (\(ProgressFormat.bytes(plan.partialBytes)) more already in partial downloads)" : "")
        if let free = plan.freeBytes {
            text += "; \(ProgressFormat.bytes(free)) free in \(models.store.root.path)"
            if !plan.fits { text += ": NOT ENOUGH SPACE" }
        }
        print(text)
    }
}
