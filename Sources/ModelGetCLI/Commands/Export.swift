import ArgumentParser
import Foundation
import ModelGet

/// `modelget export REF -o FILE.tar|DIR`: one stored model as an OCI image layout.
struct Export: LongCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a stored model as an OCI image layout archive (or directory) to carry offline.",
        discussion: Examples.text(["modelget export llama3 -o llama3.tar", "modelget export llama3 -o llama3/"], before: """
            The archive holds oci-layout, index.json (the model's full reference as \
            org.opencontainers.image.ref.name) and blobs/sha256/…: the manifest as stored and every blob, each \
            re-hashed while written. skopeo reads it as oci-archive:FILE; `modelget import` loads it. It appears \
            under its name only when complete.
            """))

    @Argument(help: "The stored model, e.g. llama3.2:1b.")
    var reference: String

    @Option(name: .shortAndLong, help: ArgumentHelp("The tar file to write (replaced if it exists), or DIR/ for the layout unpacked into a new directory.", valueName: "file"))
    var output: String

    @OptionGroup var models: ModelsOption
    @OptionGroup var report: JSONOption

    func validate() throws {
        do { _ = try Reference(parsing: reference) } catch { throw ValidationError("\(error)") }
    }

    func work() async throws {
        try await export()
    }

    private func export() async throws {
        let ref = try Reference(parsing: reference)
        var isDirectory: ObjCBool = false
        // An existing directory is taken as the destination, and refused as existing.
        let asDirectory = output.hasSuffix("/") || (FileManager.default.fileExists(atPath: output, isDirectory: &isDirectory) && isDirectory.boolValue)
        let result = try await ModelExporter(store: models.store).export(ref, to: output, asDirectory: asDirectory)
        if report.json {
            JSONLines.emit(["event": "done", "path": result.path, "digest": result.manifestDigest.description,
                            "blobs": result.blobs, "bytes": result.bytes])
        } else {
            print("exported \(ref.displayName) to \(result.path): \(result.blobs) blobs, \(ProgressFormat.bytes(result.bytes))")
        }
    }
}
