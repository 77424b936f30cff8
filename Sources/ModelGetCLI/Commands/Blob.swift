import ArgumentParser
import Foundation
import ModelGet

/// `modelget blob REF -o FILE|-`: write one blob of a model (the weights by default), verified.
struct Blob: LongCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a model's weights (or another layer) to a file or stdout, verified.",
        discussion: Examples.text(["modelget blob llama3 -o weights.gguf", "modelget blob docker.io/ai/smollm2 -o smollm2/", "modelget blob llama3 -o - --media-type application/vnd.ollama.image.license"], before: """
            From the store when it holds the blob: a reflink where the file system can clone, else a copy (with --link, a \
            hard link instead of a copy: no space used, but editing FILE then changes the store's blob). Otherwise downloaded \
            beside FILE (resumable) and renamed into place. FILE's directory must exist. With -o -, a download collects in a \
            private temporary directory that is removed afterwards. Without --media-type or --digest it writes the weights, \
            found in this order: Ollama's .model layer; Docker Model Runner's gguf.v3 layers (several are a split GGUF: -o DIR/ \
            writes model-00001-of-0000N.gguf …); ModelPack's raw weight layer whose file path ends in .gguf and is not \
            an mmproj. A Docker or ModelPack GGUF file is renamed into place only once it starts with the GGUF magic. \
            A tensor model (image generation) is written with -o DIR/ as a diffusers folder.
            """))

    @Argument(help: "The model, e.g. llama3.2:1b.") var reference: String
    @Option(name: .shortAndLong, help: ArgumentHelp("The file to write, or - for standard output; DIR/ for a split GGUF or a tensor model (a diffusers folder).", valueName: "file")) var output: String
    @Option(name: .long, help: ArgumentHelp("The media type of the layer to write (default: the weights, see above).", valueName: "type")) var mediaType: String?
    @Option(name: .long, help: ArgumentHelp("The digest of the blob to write (config or layer).", valueName: "digest")) var digest: String?
    @Flag(name: .long, help: "Download into the models directory and keep the blob there.") var keep = false
    @Flag(name: .long, help: "Where a reflink is impossible, hard-link the store's blob instead of copying it (editing FILE would change the store).")
    var link = false
    @OptionGroup var platform: PlatformOption
    @OptionGroup var transfer: TransferFlags
    @OptionGroup var download: DownloadOptions
    @OptionGroup var models: ModelsOption
    @OptionGroup var access: InsecureOption
    @OptionGroup var network: NetworkOptions
    @OptionGroup var mirrors: MirrorOptions
    @OptionGroup var report: JSONOption
    @OptionGroup var verbosity: OutputFlags

    func validate() throws {
        if link && output == "-" { throw ValidationError("--link needs a file, not standard output") }
        do {
            _ = try Reference(parsing: reference)
            if let digest { _ = try Digest(digest) }
        } catch { throw ValidationError("\(error)") }
    }

    func work() async throws {
        verbosity.apply()
        try await export()
    }

    private func export() async throws {
        let ref = try Reference(parsing: reference)
        // Before any request: where the output goes must exist.
        if output != "-" { try BlobExporter.checkDirectory(of: output) }
        // One exporter, so one router for every step below: the registry is connected to once (an
        // --insecure name without a scheme tries HTTPS once, not once per step); and one manifest,
        // asked for once, for the tensor-model check, the weights' layers and the download.
        let exporter = try self.exporter
        let image = try await exporter.resolve(ref)
        if try await writeTensorFolderIfTensorModel(ref, image: image, router: exporter.router) { return }
        let toStdout = output == "-"
        if digest == nil, mediaType == nil, !toStdout {
            return try await exportWeights(ref, image: image, with: exporter)
        }
        let layer: LayerSelector
        if let digest {
            layer = .digest(try Digest(digest))
        } else if let mediaType {
            layer = .mediaType(mediaType)
        } else {
            layer = try stdoutWeights(ref, image: image)
        }
        let progress = TransferProgress()
        let display = ProgressDisplay(progress: progress, label: "blob \(ref.displayName)", json: report.json && !toStdout)
        let result = try await display.showing {
            try await exporter.export(ref, image: image, layer: layer, to: toStdout ? .stream(STDOUT_FILENO) : .file(output), progress: progress)
        }
        guard !toStdout else { return }
        let how = result.placement.map { "from the store (\($0.rawValue))" } ?? "downloaded \(ProgressFormat.binaryBytes(result.bytesTransferred))"
        let line = Summary.text("wrote \(output)", "\(result.descriptor.digest.description.prefix(19)) \(ProgressFormat.binaryBytes(result.descriptor.size)) \(how)")
        if report.json {
            JSONLines.emit(["event": "done", "path": output, "digest": result.descriptor.digest.description,
                            "size": result.descriptor.size, "method": result.placement?.rawValue ?? "download",
                            "bytes_transferred": result.bytesTransferred])
        } else {
            print(line)
        }
    }
}
