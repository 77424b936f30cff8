import ArgumentParser
import Foundation
import ModelGet

/// `modelget import FILE.tar|DIR [--as REF]`: load an image archive into the store.
struct Import: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load an OCI image layout (tar or directory) or a docker save archive into the models directory.",
        discussion: """
            Every member is hashed in a staging directory first; blobs reach the store only when the manifest \
            and every blob it names check out, and the manifest is written last, so a bad archive leaves the \
            store as it was. The model is stored under --as, else the name the archive gives \
            (org.opencontainers.image.ref.name, or the first RepoTags entry of docker save).
            """)

    @Argument(help: "An OCI layout tar (plain, gzip or zstd), an OCI layout directory, or a docker save tar.")
    var archive: String

    @Option(name: .customLong("as"), help: "The name to store the model under.")
    var name: String?

    @Option(name: .long, help: "The platform to pick when the archive holds an index, os/arch[/variant] (default: this machine).")
    var platform: String?

    @OptionGroup var models: ModelsOption
    @OptionGroup var report: JSONOption

    func validate() throws {
        do {
            if let name { _ = try Reference(parsing: name) }
            if let platform { _ = try Platform(parsing: platform) }
        } catch { throw ValidationError("\(error)") }
    }

    func run() async throws {
        try await Interruption.run(json: report.json) { [self] in try await importArchive() }
    }

    private func importArchive() async throws {
        let importer = ModelImporter(store: models.store, platform: try platform.map(Platform.init(parsing:)) ?? .current)
        let result = try await importer.importArchive(at: archive, as: try name.map(Reference.init(parsing:)))
        if report.json {
            JSONLines.emit(["event": "done", "reference": result.reference.description, "digest": result.manifestDigest.description,
                            "blobs": result.blobs, "blobs_added": result.blobsAdded, "bytes": result.bytes])
        } else {
            print("imported \(result.reference.displayName) (\(result.manifestDigest.description.prefix(19))): \(result.blobs) blobs, "
                + "\(result.blobsAdded) new, \(ProgressFormat.bytes(result.bytes))")
        }
    }
}
