import Foundation

/// What `show` reports about a tensor model, counted from the safetensors
/// header of every tensor layer: components, tensors, parameters, dtypes
/// and quantisation; with the capabilities and requirement of the config
/// and the pipeline class of `model_index.json`.
public struct TensorModelSummary: Sendable, Equatable {
    /// One component (text_encoder, transformer, vae…).
    public struct Component: Sendable, Equatable {
        public var name: String
        public var tensorLayers: Int
        /// Tensors, a quantised weight's scale and bias not counted.
        public var tensors: Int
        public var parameters: Int64
        public var bytes: Int64
    }

    public var components: [Component] = []
    /// Tensor count by dtype, over every header entry (scales and biases too).
    public var dtypes: [String: Int] = [:]
    /// Quantised weights by quantisation, `int4 (group 32)`.
    public var quantization: [String: Int] = [:]
    /// `architecture` of model_index.json (diffusers' `_class_name`). This
    /// and the config's strings are cleaned of control characters.
    public var architecture: String?
    public var capabilities: [String] = []
    public var requires: String?

    public var tensorLayers: Int { components.reduce(0) { $0 + $1.tensorLayers } }
    public var tensors: Int { components.reduce(0) { $0 + $1.tensors } }
    /// Parameters before quantisation (a packed int4 U32 holds 8).
    public var parameters: Int64 { components.reduce(0) { $0 &+ $1.parameters } }

    /// Headers are read at most this many at a time.
    static let parallelReads = 16

    /// Builds the summary; `header` reads one tensor layer's header,
    /// reserving its length from the budget first (each distinct blob is
    /// read once, however many layers name it, and all of them together
    /// within `TensorHeaderReader.Budget.defaultLimit`), and `blob` one
    /// small blob (the config, model_index.json), verified.
    static func load(layout: TensorModelLayout, config: Descriptor, model: String,
                     header: @escaping @Sendable (Descriptor, TensorHeaderReader.Budget) async throws -> SafetensorsHeader,
                     blob: (Descriptor) async throws -> Data) async throws -> TensorModelSummary {
        var summary = TensorModelSummary()
        if config.size <= ModelInfo.textLimit,
           let object = try? JSONSerialization.jsonObject(with: try await blob(config)) as? [String: Any] {
            summary.capabilities = (object["capabilities"] as? [Any])?.compactMap { ($0 as? String).map { DisplayText.line($0, limit: 80) } } ?? []
            summary.requires = (object["requires"] as? String).map { DisplayText.line($0, limit: 80) }
        }
        var modelIndex: [String: Any] = [:]
        if let index = layout.json("model_index.json"), index.descriptor.size <= ModelInfo.textLimit,
           let object = try? JSONSerialization.jsonObject(with: try await blob(index.descriptor)) as? [String: Any] {
            modelIndex = object
            summary.architecture = ((object["architecture"] as? String) ?? (object["_class_name"] as? String)).map { DisplayText.line($0, limit: 80) }
        }
        // Older ollama: scale and bias in layers of their own, the quantisation only in model_index.json.
        let legacyWeights = layout.weightsWithCompanionLayers
        let legacyQuantization = Quantization.fromModelIndex(modelIndex)
        var seen = Set<Digest>()
        let distinct = layout.tensorLayers.map(\.descriptor).filter { seen.insert($0.digest).inserted }
        let budget = TensorHeaderReader.Budget(model: model)
        let headers = try await readAll(distinct) { try await header($0, budget) }
        var components: [String: Component] = [:]
        for layer in layout.tensorLayers {
            let header = headers[layer.descriptor.digest]!
            var component = components[layer.component] ?? Component(name: layer.component, tensorLayers: 0, tensors: 0, parameters: 0, bytes: 0)
            component.tensorLayers += 1
            component.bytes += layer.descriptor.size
            for tensor in header.tensors {
                summary.dtypes[tensor.dtype, default: 0] += 1
                var role = QuantizedTensor.role(of: tensor, in: header)
                if layer.companionOf != nil {
                    role = .companion
                } else if case .plain = role, legacyWeights.contains(layer.component + "/" + layer.name), let legacyQuantization {
                    role = .weight(legacyQuantization)
                }
                switch role {
                case .companion:
                    continue
                case let .weight(quantization):
                    component.parameters &+= tensor.elements &* quantization.valuesPerElement(tensor.dtype)
                    summary.quantization[quantization.description, default: 0] += 1
                case .plain:
                    component.parameters &+= tensor.elements
                }
                component.tensors += 1
            }
            components[layer.component] = component
        }
        summary.components = layout.components.compactMap { components[$0] }
        return summary
    }

    /// The header of every blob, by digest, `parallelReads` at a time.
    private static func readAll(_ blobs: [Descriptor], header: @escaping @Sendable (Descriptor) async throws -> SafetensorsHeader) async throws -> [Digest: SafetensorsHeader] {
        var results: [Digest: SafetensorsHeader] = [:]
        try await withThrowingTaskGroup(of: (Digest, SafetensorsHeader).self) { group in
            var next = 0
            func startNext() {
                guard next < blobs.count else { return }
                let blob = blobs[next]
                group.addTask { (blob.digest, try await header(blob)) }
                next += 1
            }
            for _ in 0..<parallelReads { startNext() }
            while let (digest, read) = try await group.next() {
                results[digest] = read
                startNext()
            }
        }
        return results
    }
}

extension ModelStore {
    /// The tensor summary of a stored model, headers read from its blobs.
    public func tensorSummary(_ manifest: ImageManifest, model: String) async throws -> TensorModelSummary {
        let layout = try TensorModelLayout(manifest: manifest, model: model)
        let store = self
        return try await TensorModelSummary.load(layout: layout, config: manifest.config, model: model, header: { layer, budget in
            let blob = try store.openBlob(layer.digest)
            defer { blob.close() }
            return try TensorHeaderReader.read(blob, source: "blob \(layer.digest)", budget: budget)
        }, blob: { blob in
            try store.readSmallBlob(blob)
        })
    }
}

extension RegistryClient {
    /// The tensor summary of a registry model, headers read with small
    /// ranged GETs (the tensor data is not downloaded).
    public func tensorSummary(_ manifest: ImageManifest, repository: String, model: String) async throws -> TensorModelSummary {
        let layout = try TensorModelLayout(manifest: manifest, model: model)
        return try await TensorModelSummary.load(layout: layout, config: manifest.config, model: model, header: { [self] layer, budget in
            try await TensorHeaderReader.read(layer, repository: repository, client: self, budget: budget)
        }, blob: { blob in
            let sink = MemorySink(limit: blob.size)
            _ = try await fetchBlob(repository: repository, digest: blob.digest, sink: sink)
            try blob.digest.verify(actualHex: SHA256Hasher.hex(of: sink.data))
            return sink.data
        })
    }
}
