import Foundation

/// Writes a tensor model from the store as the diffusers folder it was
/// made from: each json layer at its path (`model_index.json` with
/// diffusers' keys back), and each component's tensor layers merged into
/// one safetensors file (`model.safetensors` for a transformers component,
/// `diffusion_pytorch_model.safetensors` otherwise). Quantised weights keep
/// their `.scale` and `.bias` beside them and the file's `__metadata__`
/// names the quantisation. Tensor data is streamed blob by blob (each blob
/// hashed as it is read), never held whole; the folder is built beside
/// the destination and renamed into place only when complete.
public struct DiffusersFolderWriter: Sendable {
    /// Where the model's blobs are.
    public let store: ModelStore

    public init(store: ModelStore) {
        self.store = store
    }

    public func write(_ manifest: ImageManifest, model: String, to directory: String) throws -> Result {
        let layout = try TensorModelLayout(manifest: manifest, model: model)
        var destination = directory
        while destination.count > 1 && destination.hasSuffix("/") { destination.removeLast() }
        try Self.checkDestination(destination)
        let temporary = FilePlacement.temporaryPath(beside: destination)
        guard mkdir(temporary, 0o755) == 0 else { throw FileIO.error(temporary) }
        do {
            var result = Result(directory: destination, files: [], tensors: 0, tensorBytes: 0, quantizations: [])
            var index: [String: Any] = [:]
            for layer in layout.jsonLayers {
                var data = try readVerified(layer.descriptor)
                if layer.path == "model_index.json" {
                    guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                        throw ModelGetError.invalidTensorModel(model: model, reason: "model_index.json is not a JSON object")
                    }
                    index = object
                    data = try Self.diffusersModelIndex(object)
                }
                try writeFile(data, at: temporary + "/" + layer.path)
                result.files.append(layer.path)
            }
            var quantizations = Set<String>()
            // The headers of all components together, bounded as show bounds them.
            let headers = TensorHeaderReader.Budget(model: model)
            for component in layout.components {
                let file = (component.isEmpty ? "" : component + "/") + Self.weightsFile(component, index: index)
                let merged = try SafetensorsMerger(store: store, model: model, component: component,
                                                   layers: layout.tensorLayers.filter { $0.component == component },
                                                   legacyQuantization: Quantization.fromModelIndex(index), budget: headers)
                try merged.write(to: temporary + "/" + file)
                result.files.append(file)
                result.tensors += merged.tensors.count
                result.tensorBytes += merged.dataLength
                quantizations.formUnion(merged.quantizations.map(\.description))
            }
            result.quantizations = quantizations.sorted()
            FileIO.syncDirectory(temporary)
            guard rename(temporary, destination) == 0 else { throw FileIO.error(destination) }
            FileIO.syncDirectory(FilePlacement.directory(of: destination))
            return result
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
    }

    /// The destination must not exist, or be an empty directory (which the
    /// finished folder replaces).
    static func checkDestination(_ path: String) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        let empty = (info.st_mode & S_IFMT) == S_IFDIR && ((try? FileManager.default.contentsOfDirectory(atPath: path).isEmpty) ?? false)
        guard empty else { throw ModelGetError.fileSystem(path: path, reason: "already exists and is not an empty directory") }
    }

    /// model_index.json as diffusers wrote it: ollama renamed `_class_name`
    /// to `architecture` and added `parameter_count` and `quantization`
    /// (it dropped `_diffusers_version`, which cannot be restored).
    static func diffusersModelIndex(_ stored: [String: Any]) throws -> Data {
        var object = stored
        if let architecture = object.removeValue(forKey: "architecture") { object["_class_name"] = architecture }
        object.removeValue(forKey: "parameter_count")
        object.removeValue(forKey: "quantization")
        return try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }

    /// `model.safetensors` for a component model_index.json says comes
    /// from transformers (a text encoder) or a model without components;
    /// `diffusion_pytorch_model.safetensors` otherwise.
    static func weightsFile(_ component: String, index: [String: Any]) -> String {
        let library = (index[component] as? [Any])?.first as? String
        let transformers = component.isEmpty || library == "transformers" || (library == nil && component.hasPrefix("text_encoder"))
        return transformers ? "model.safetensors" : "diffusion_pytorch_model.safetensors"
    }

    private func readVerified(_ descriptor: Descriptor) throws -> Data {
        guard descriptor.size <= 64 << 20 else {
            throw ModelGetError.invalidManifest(reason: "\(descriptor.digest) is larger than 64 MiB")
        }
        return try store.readSmallBlob(descriptor)
    }

    private func writeFile(_ data: Data, at path: String) throws {
        try FileIO.makeDirectories(FilePlacement.directory(of: path))
        let fd = try FileIO.createNew(path)
        defer { close(fd) }
        try data.withUnsafeBytes { try FileIO.pwriteAll(fd, $0, at: 0, path: path) }
        try FileIO.fsync(fd, path: path)
    }
}

extension DiffusersFolderWriter {
    /// What writing a tensor model's folder produced.
    public struct Result: Sendable {
        /// The folder written.
        public var directory: String
        /// Files written, relative to the folder, in the order written.
        public var files: [String]
        /// Tensors written (scales and biases included).
        public var tensors: Int
        /// Bytes of tensor data written.
        public var tensorBytes: Int64
        /// The quantisations of the quantised weights, e.g. `int4 (group 32)`.
        public var quantizations: [String]
    }
}
