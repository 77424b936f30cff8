import ArgumentParser
import Foundation
import ModelGet

/// `modelget blob REF -o FILE|-`: write one blob of a model (the weights by default), verified.
struct Blob: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a model's weights (or another layer) to a file or stdout, verified.",
        discussion: """
            From the store when it holds the blob: a reflink where the file system can clone, else a copy (with --link, a \
            hard link instead of a copy: no space used, but editing FILE then changes the store's blob). Otherwise downloaded \
            beside FILE (resumable) and renamed into place. FILE's directory must exist. With -o -, a download collects in a \
            private temporary directory that is removed afterwards.
            """)

    @Argument(help: "The model, e.g. llama3.2:1b.") var reference: String
    @Option(name: .shortAndLong, help: "The file to write, or - for standard output.") var output: String
    @Option(name: .long, help: "The media type of the layer to write.") var mediaType = MediaType.ollamaModel
    @Option(name: .long, help: "The digest of the blob to write (config or layer).") var digest: String?
    @Flag(name: .long, help: "Download into the models directory and keep the blob there.") var keep = false
    @Flag(name: .long, help: "Where a reflink is impossible, hard-link the store's blob instead of copying it (editing FILE would change the store).")
    var link = false
    @OptionGroup var global: GlobalOptions

    func validate() throws {
        if link && output == "-" { throw ValidationError("--link needs a file, not standard output") }
        do {
            _ = try Reference(parsing: reference)
            if let digest { _ = try Digest(digest) }
        } catch { throw ValidationError("\(error)") }
    }

    func run() async throws {
        let ref = try Reference(parsing: reference)
        let layer: LayerSelector = try digest.map { .digest(try Digest($0)) } ?? .mediaType(mediaType)
        let toStdout = output == "-"
        let progress = TransferProgress()
        let display = ProgressDisplay(progress: progress, label: "blob \(ref.displayName)", json: global.json && !toStdout)
        let exporter = BlobExporter(store: global.store, insecure: global.insecure, keepInStore: keep, hardLink: link)
        let result = try await display.showing {
            try await exporter.export(ref, layer: layer, to: toStdout ? .stream(STDOUT_FILENO) : .file(output), progress: progress)
        }
        guard !toStdout else { return }
        let how = result.placement.map { "from the store (\($0.rawValue))" } ?? "downloaded \(ProgressFormat.bytes(result.bytesTransferred))"
        let line = "wrote \(output): \(result.descriptor.digest) \(ProgressFormat.bytes(result.descriptor.size)) \(how)"
        if global.json {
            JSONLines.emit(["event": "done", "path": output, "digest": result.descriptor.digest.description,
                            "size": result.descriptor.size, "method": result.placement?.rawValue ?? "download",
                            "bytes_transferred": result.bytesTransferred])
        } else {
            print(line)
        }
    }
}
