import ArgumentParser
import Foundation
import ModelGet

/// `modelget pull REF`: fetch a model into the store.
struct Pull: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Pull a model into the models directory (Ollama's layout).",
        discussion: "REF is [scheme://][host/][namespace/]model[:tag][@sha256:…], read as ollama reads it (a/b/c is host a); defaults: registry.ollama.ai, library, latest. A nested repository (ghcr.io/org/team/model) must be stored under a name ollama's store can hold: --as HOST/NAMESPACE/MODEL[:TAG]."
    )

    @Argument(help: "The model to pull, e.g. llama3 or 127.0.0.1:5000/team/tiny:v1.")
    var reference: String

    @OptionGroup var models: ModelsOption
    @OptionGroup var access: InsecureOption
    @OptionGroup var report: JSONOption

    @OptionGroup var transfer: TransferFlags

    @OptionGroup var signing: KeyOption
    @OptionGroup var platform: PlatformOption
    @OptionGroup var download: DownloadOptions

    @Option(name: .customLong("as"), help: "Store the model under this name (needed for a nested repository such as ghcr.io/org/team/model, which ollama's store cannot hold).")
    var storeAs: String?

    func validate() throws {
        do {
            _ = try Reference(parsing: reference)
            _ = try storeAs.map(Reference.init(parsing:))
        } catch {
            throw ValidationError("\(error)")
        }
    }

    func run() async throws {
        try await Interruption.run(json: report.json) { [self] in try await pull() }
    }

    private func pull() async throws {
        let ref = try Reference(parsing: reference)
        let storeName = try storeAs.map(Reference.init(parsing:))
        try models.store.checkStorable(storeName ?? ref)
        let client = try await RegistryClient.connect(to: ref, insecure: access.insecure,
                                                      credentials: signing.credentials, stallTimeout: transfer.stallTimeout, retry: transfer.retry)
        let progress = TransferProgress()
        let display = ProgressDisplay(progress: progress, label: "pulling \(ref.name):\(ref.storeTag)", json: report.json)
        let started = Date()
        let store = models.store
        let options = PullOptions(transfer: transfer.options(download: download), platform: platform.value)
        let result = try await display.showing {
            try await ModelPuller(store: store, options: options).pull(ref, client: client, storeAs: storeName, progress: progress)
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
            print("pulled \(result.reference) (\(result.manifestDigest.prefix(19))): \(result.blobs) blobs, "
                + "\(ProgressFormat.bytes(result.totalBytes)); fetched \(fetched) blobs "
                + "(\(ProgressFormat.bytes(result.bytesTransferred))) in \(ProgressFormat.duration(seconds))")
        }
    }
}
