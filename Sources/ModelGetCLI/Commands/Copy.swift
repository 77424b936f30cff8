import ArgumentParser
import Foundation
import ModelGet

/// `modelget copy SRC DEST`: registry to registry.
struct Copy: LongCommand {
    static let configuration = CommandConfiguration(
        abstract: "Copy a model from one registry to another.",
        discussion: Examples.text(["modelget copy tinyllama reg.example/mirror/tinyllama", "modelget copy docker.io/library/debian:12 reg.example --all-platforms"], before: """
            Blobs the destination lacks pass through a scratch directory in the models directory and are \
            deleted once uploaded; --keep pulls the model into the models directory instead. \
            On the same registry, blobs are mounted from SRC's repository.
            """)
    )

    @Argument(help: "The model to copy, e.g. registry.ollama.ai/library/tinyllama:latest.")
    var source: String

    @Argument(help: "Where to copy it: a reference, one without a tag, or a registry host.")
    var destination: String

    @OptionGroup var models: ModelsOption
    @OptionGroup var access: InsecureOption
    @OptionGroup var network: NetworkOptions
    @OptionGroup var report: JSONOption
    @OptionGroup var verbosity: OutputFlags

    @Flag(name: .long, help: "Keep the model in the models directory.")
    var keep = false

    @OptionGroup var transfer: TransferFlags
    @OptionGroup var rate: RateLimitOption

    @OptionGroup var signing: KeyOption
    @OptionGroup var platform: PlatformOption

    @Flag(name: .long, help: "Copy a whole index: every platform's manifest and blobs, then the index, byte for byte.")
    var allPlatforms = false

    func validate() throws {
        do {
            _ = try PushDestination.resolve(destination, source: try Reference(parsing: source))
        } catch {
            throw ValidationError("\(error)")
        }
    }

    func work() async throws {
        verbosity.apply()
        try await copy()
    }

    private func copy() async throws {
        let from = try Reference(parsing: source)
        let to = try PushDestination.resolve(destination, source: from)
        let sourceClient = try await RegistryClient.connect(to: from, insecure: access.insecure,
                                                                credentials: signing.credentials, stallTimeout: transfer.stallTimeout, retry: transfer.retry)
        let destinationClient = try await RegistryClient.connect(to: to, insecure: access.insecure,
                                                                credentials: signing.credentials, stallTimeout: transfer.stallTimeout, retry: transfer.retry)
        let progress = TransferProgress()
        let display = ProgressDisplay(progress: progress, label: "copying \(to.name):\(to.storeTag)", json: report.json, jsonEvents: false)
        let started = Date()
        let copier = ModelCopier(store: models.store, options: PushOptions(transfer: transfer.options(rate: rate)), keep: keep)
        let result = try await display.showing {
            allPlatforms
                ? try await copier.copyAllPlatforms(from, from: sourceClient, to: to, destinationClient, progress: progress)
                : try await copier.copy(from, from: sourceClient, to: to, destinationClient, platform: platform.value, progress: progress)
        }
        PushSummary.print(result, verb: "copied", seconds: Date().timeIntervalSince(started), json: report.json)
    }
}
