import ArgumentParser
import Foundation
import ModelGet

/// `modelget import FILE.tar|DIR [--as REF]`: load an image archive into the store.
struct Import: LongCommand {
    static let configuration = CommandConfiguration(
        abstract: "Load an OCI image layout (tar or directory) or a docker save archive into the models directory.",
        discussion: Examples.text(["modelget import llama3.tar", "modelget import saved.tar --as reg.example/team/model:v1"], before: """
            Every member is hashed in a staging directory first; blobs reach the store only when the manifest \
            and every blob it names check out, and the manifest is written last, so a bad archive leaves the \
            store as it was. The model is stored under --as, else the name the archive gives \
            (org.opencontainers.image.ref.name, or the first RepoTags entry of docker save); a ref.name that is \
            only a tag (skopeo's oci-archive:x.tar:v1) names no model, so --as must. A model already stored \
            under that name is replaced, and the output says so. A member name given twice means its last \
            member, as tar -x leaves it.
            """))

    @Argument(help: "An OCI layout tar (plain, gzip or zstd), an OCI layout directory, or a docker save tar.")
    var archive: String

    @Option(name: .customLong("as"), help: ArgumentHelp("The name to store the model under.", valueName: "name"))
    var name: String?

    @Option(name: .long, help: ArgumentHelp("The platform to pick when the archive holds an index, os/arch[/variant] (default: this machine).", valueName: "os/arch"))
    var platform: String?

    @OptionGroup var maxBytes: MaxBytesOption
    @OptionGroup var models: ModelsOption
    @OptionGroup var report: JSONOption

    func validate() throws {
        do {
            if let name { _ = try Reference(parsing: name) }
            if let platform { _ = try Platform(parsing: platform) }
        } catch { throw ValidationError("\(error)") }
    }

    func work() async throws {
        try await importArchive()
    }

    private func importArchive() async throws {
        let importer = ModelImporter(store: models.store, platform: try platform.map(Platform.init(parsing:)) ?? .current,
                                     maximumBytes: maxBytes.bytes)
        let result = try await importer.importArchive(at: archive, as: try name.map(Reference.init(parsing:)))
        let replaced = result.previousDigest.flatMap { $0 == result.manifestDigest ? nil : $0 }
        if report.json {
            var object: [String: Any] = ["event": "done", "reference": result.reference.description,
                                         "digest": result.manifestDigest.description,
                                         "blobs": result.blobs, "blobs_added": result.blobsAdded, "bytes": result.bytes]
            if let previous = result.previousDigest { object["previous_digest"] = previous.description }
            JSONLines.emit(object)
        } else {
            var detail = "\(result.blobs) blobs, \(result.blobsAdded) new, \(ProgressFormat.bytes(result.bytes))"
            if let replaced {
                detail += "; replaced the model stored under that name (\(replaced.description.prefix(19)))"
            } else if result.previousDigest != nil {
                detail += "; already stored under that name"
            }
            print(Summary.text("imported \(result.reference.displayName) (\(result.manifestDigest.description.prefix(19)))", detail))
        }
    }
}
