import ArgumentParser
import Foundation
import ModelGet

extension Blob {
    /// For a tensor model (ollama's image-generation models: one
    /// safetensors layer per tensor) with no layer chosen: writes the
    /// diffusers folder when the output is `DIR/` (or an existing
    /// directory) and refuses a single output file with that hint. Returns
    /// false for any other model, which `run` exports as one blob.
    /// `image` and `router` are the command's (shared with the weights' export).
    func writeTensorFolderIfTensorModel(_ ref: Reference, image: BlobExporter.ResolvedImage, router: SourceRouter) async throws -> Bool {
        guard digest == nil, mediaType == nil, let resolved = TensorFolderExporter.Resolved(tensorModel: image) else { return false }
        let exporter = TensorFolderExporter(store: models.store, insecure: access.insecure, platform: platform.value, keepInStore: keep,
                                            options: PullOptions(transfer: transfer.options(download: download)), router: router)
        var isDirectory: ObjCBool = false
        let folder = output.hasSuffix("/") || (FileManager.default.fileExists(atPath: output, isDirectory: &isDirectory) && isDirectory.boolValue)
        guard folder, output != "-" else {
            throw ModelGetError.tensorModelNeedsFolder(model: ref.displayName, tensorLayers: resolved.tensorLayers)
        }
        let progress = TransferProgress()
        let display = ProgressDisplay(progress: progress, label: "blob \(ref.displayName)", json: report.json)
        let result = try await display.showing {
            try await exporter.export(resolved, reference: ref, to: output, progress: progress)
        }
        if report.json {
            JSONLines.emit(["event": "done", "path": result.directory, "files": result.files, "tensors": result.tensors,
                            "tensor_bytes": result.tensorBytes, "quantization": result.quantizations,
                            "bytes_transferred": progress.transferredBytes])
        } else {
            let quantization = result.quantizations.isEmpty ? "" : "; quantised \(result.quantizations.joined(separator: ", ")) (scale and bias kept beside each weight, named in each file's __metadata__)"
            print("wrote \(result.directory)/: \(result.files.count) files, \(result.tensors) tensors, "
                + "\(ProgressFormat.bytes(result.tensorBytes)) of tensor data\(quantization)")
        }
        return true
    }
}
