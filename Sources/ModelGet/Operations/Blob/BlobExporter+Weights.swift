import Foundation

extension BlobExporter {
    /// What `blob` wrote for a model's weights: one file, or the shards of a split GGUF.
    public struct WeightsResult: Sendable {
        /// The files written, in shard order, with what each export did.
        public var files: [(path: String, result: Result)]
    }

    /// Writes a model's weights (`WeightsLayer.find`) to `path`: one file, or
    /// for a split GGUF the shards `model-00001-of-0000N.gguf`… into the
    /// directory `path` (which must then end in `/` or be a directory). A
    /// Docker or ModelPack GGUF file is written under a hidden name and
    /// renamed only once its first bytes are the GGUF magic; Ollama's
    /// `.model` layer is exported as `export` does any layer.
    public func exportWeights(_ reference: Reference, to path: String,
                              progress: TransferProgress = TransferProgress()) async throws -> WeightsResult {
        try Self.checkDirectory(of: path)
        return try await exportWeights(reference, image: resolve(reference), to: path, progress: progress)
    }

    /// `exportWeights` from `image` (`resolve`'s), with no further manifest
    /// request for any shard. The caller checked `path`'s directory.
    package func exportWeights(_ reference: Reference, image: ResolvedImage, to path: String,
                               progress: TransferProgress) async throws -> WeightsResult {
        let weights = try WeightsLayer.find(in: image.manifest, model: reference.displayName)
        let intoDirectory = path.hasSuffix("/") || RootFilesystem.isDirectory(path)
        let targets: [String]
        switch weights {
        case .single:
            targets = [intoDirectory ? Self.join(path, "model.gguf") : path]
        case let .split(layers):
            guard intoDirectory else { throw WeightsLayer.splitNeedsDirectory(reference, shards: layers.count) }
            targets = layers.indices.map { Self.join(path, WeightsLayer.shardName($0, of: layers.count)) }
        }
        if intoDirectory { try FileIO.makeDirectories(path) }
        var files: [(String, Result)] = []
        for (layer, target) in zip(weights.layers, targets) {
            guard weights.declaresGGUF else {
                files.append((target, try await export(reference, image: image, layer: .digest(layer.digest), to: .file(target), progress: progress)))
                continue
            }
            let hidden = FilePlacement.temporaryPath(beside: target)
            do {
                let result = try await export(reference, image: image, layer: .digest(layer.digest), to: .file(hidden), progress: progress)
                try Self.checkGGUFMagic(hidden, layer: layer)
                try FilePlacement.commit(hidden, to: target)
                files.append((target, result))
            } catch {
                unlink(hidden)
                throw error
            }
        }
        return WeightsResult(files: files)
    }

    /// Where `reference`'s weights are, from the store's manifest, else the
    /// registry's for `platform` (also for a pin the stored manifest does
    /// not match, as `export` does).
    public func weights(of reference: Reference) async throws -> WeightsLayer {
        try await WeightsLayer.find(in: resolve(reference).manifest, model: reference.displayName)
    }

    /// Refuses a weights file that does not start with `GGUF`.
    static func checkGGUFMagic(_ path: String, layer: Descriptor) throws {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw FileIO.error(path) }
        defer { try? handle.close() }
        guard handle.readData(ofLength: 4) == GGUFHeader.magic else {
            throw ModelGetError.invalidArchive(archive: "layer \(layer.digest)", reason: "not a GGUF file (it does not start with \"GGUF\")")
        }
    }

    private static func join(_ directory: String, _ name: String) -> String {
        (directory.hasSuffix("/") ? directory : directory + "/") + name
    }
}
