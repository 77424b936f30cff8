import ArgumentParser
import Foundation
import ModelGet

/// `modelget push REF [DEST]`: upload a model from the store.
struct Push: LongCommand {
    static let configuration = CommandConfiguration(
        abstract: "Push a model from the models directory to a registry.",
        discussion: Examples.text(["modelget push 127.0.0.1:5000/team/tiny:v1", "modelget push llama3 reg.example/mirror/llama3", "modelget push llama3 reg.example"], before: """
            Without DEST the model goes back to the registry REF names. DEST may be another reference, \
            a reference without a tag (REF's tag is kept) or just a registry host (127.0.0.1:5000). \
            Blobs the registry holds are skipped; blobs in another repository of the same registry are mounted.
            """)
    )

    @Argument(help: "The model in the models directory, e.g. 127.0.0.1:5000/team/tiny:v1.")
    var reference: String

    @Argument(help: "Where to push it (default: where REF names).")
    var destination: String?

    @OptionGroup var models: ModelsOption
    @OptionGroup var access: InsecureOption
    @OptionGroup var network: NetworkOptions
    @OptionGroup var report: JSONOption
    @OptionGroup var verbosity: OutputFlags

    @Option(name: .long, help: ArgumentHelp("Mount blobs from this repository of the destination registry.", valueName: "repository"))
    var mountFrom: String?

    @OptionGroup var transfer: TransferFlags
    @OptionGroup var rate: RateLimitOption

    @OptionGroup var signing: KeyOption

    func validate() throws {
        do {
            _ = try PushDestination.resolve(destination, source: try Reference(parsing: reference))
        } catch {
            throw ValidationError("\(error)")
        }
    }

    func work() async throws {
        verbosity.apply()
        try await push()
    }

    private func push() async throws {
        let source = try Reference(parsing: reference)
        let target = try PushDestination.resolve(destination, source: source)
        // registries.conf's blocked and insecure apply to pushes, as in podman; its mirrors and remapping do not.
        let insecure = try RegistriesConfiguration.load().pushAccess(for: target, insecure: access.insecure)
        let client = try await RegistryClient.connect(to: target, insecure: insecure,
                                                      credentials: signing.credentials, stallTimeout: transfer.stallTimeout, retry: transfer.retry)
        let progress = TransferProgress()
        let display = ProgressDisplay(progress: progress, label: "pushing \(target.name):\(target.storeTag)", json: report.json, jsonEvents: false)
        let started = Date()
        let options = PushOptions(transfer: transfer.options(rate: rate), mountFrom: mountFrom)
        let result = try await display.showing {
            try await ModelPusher(store: models.store, options: options).push(source, to: target, client: client, progress: progress)
        }
        PushSummary.print(result, verb: "pushed", seconds: Date().timeIntervalSince(started), json: report.json)
    }
}
