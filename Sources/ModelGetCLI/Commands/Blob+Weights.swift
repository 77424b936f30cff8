import Foundation
import ModelGet

/// `blob REF -o FILE|DIR/` without `--media-type` or `--digest`: the
/// model's weights in whichever family it is (`WeightsLayer`).
extension Blob {
    /// The exporter these flags describe; a model the store lacks is read through its mirrors.
    var exporter: BlobExporter {
        get throws {
            let router = try mirrors.router(credentials: CredentialStore(), stallTimeout: transfer.stallTimeout, retry: transfer.retry,
                                            json: report.json && output != "-")
            return BlobExporter(store: models.store, router: router, insecure: access.insecure, platform: platform.value,
                                keepInStore: keep, hardLink: link, transfer: transfer.options(download: download))
        }
    }

    /// Writes the weights file, or a split GGUF's shards into a directory.
    func exportWeights(_ ref: Reference, image: BlobExporter.ResolvedImage, with exporter: BlobExporter) async throws {
        let progress = TransferProgress()
        let display = ProgressDisplay(progress: progress, label: "blob \(ref.displayName)", json: report.json)
        let result = try await display.showing { try await exporter.exportWeights(ref, image: image, to: output, progress: progress) }
        for (path, file) in result.files {
            let how = file.placement.map { "from the store (\($0.rawValue))" } ?? "downloaded"
            if report.json {
                JSONLines.emit(["event": "done", "path": path, "digest": file.descriptor.digest.description, "size": file.descriptor.size,
                                "method": file.placement?.rawValue ?? "download"])
            } else {
                print(Summary.text("wrote \(path)", "\(file.descriptor.digest.description.prefix(19)) \(ProgressFormat.binaryBytes(file.descriptor.size)) \(how)"))
            }
        }
    }

    /// The weights layer for `-o -`: one file only.
    func stdoutWeights(_ ref: Reference, image: BlobExporter.ResolvedImage) throws -> LayerSelector {
        switch try WeightsLayer.find(in: image.manifest, model: ref.displayName) {
        case let .single(layer): return .digest(layer.digest)
        case let .split(layers): throw WeightsLayer.splitNeedsDirectory(ref, shards: layers.count)
        }
    }
}
