import ArgumentParser
import Foundation
import ModelGet

/// `modelget pull REF`: fetch a model into the store.
struct Pull: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Pull a model into the models directory (Ollama's layout).",
        discussion: "REF is [scheme://][host[:port]/][namespace/]name[:tag][@sha256:…]; defaults: registry.ollama.ai, library, latest."
    )

    @Argument(help: "The model to pull, e.g. llama3 or 127.0.0.1:5000/team/tiny:v1.")
    var reference: String

    @OptionGroup var global: GlobalOptions

    @OptionGroup var transfer: TransferOptions

    @OptionGroup var download: DownloadOptions

    func validate() throws {
        do {
            _ = try Reference(parsing: reference)
        } catch {
            throw ValidationError("\(error)")
        }
    }

    func run() async throws {
        let ref = try Reference(parsing: reference)
        let client = try await RegistryClient.connect(to: ref, insecure: global.insecure, stallTimeout: transfer.stallTimeout)
        let progress = TransferProgress()
        let display = ProgressDisplay(progress: progress, label: "pulling \(ref.name):\(ref.storeTag)", json: global.json)
        let started = Date()
        let result: PullResult
        let store = global.store
        let options = PullOptions(concurrency: transfer.concurrency, parts: download.plan, limitRate: download.bytesPerSecond)
        let pull = Task { try await ModelPuller(store: store, options: options).pull(ref, client: client, progress: progress) }
        // Ctrl-C or SIGTERM cancels the pull, which writes its part state and stops.
        let interruption = SignalCancellation(signals: [SIGINT, SIGTERM]) { pull.cancel() }
        defer { interruption.remove() }
        do {
            result = try await display.showing {
                do {
                    return try await pull.value
                } catch where pull.isCancelled {
                    throw ModelGetError.cancelled
                }
            }
        } catch {
            if global.json { JSONLines.emit(["event": "error", "message": "\(error)"]) }
            throw error
        }
        let seconds = Date().timeIntervalSince(started)
        if global.json {
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
