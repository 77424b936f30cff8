import Foundation

/// Unpacks an image's layers, in order, into a root filesystem directory.
///
/// The layers come from the store when it holds them, otherwise straight
/// from the registry into the unpacker. Each layer's compressed bytes are
/// checked against the manifest and its uncompressed tar against the
/// config's `diff_ids`. Everything is written into a hidden directory
/// beside the destination, renamed into place only when every layer is
/// applied and verified: the destination appears complete or not at all.
public struct ImageExtractor: Sendable {
    /// Entries one layer may hold before it is refused as a tar bomb.
    public static let defaultMaximumEntries = 65_536

    public let store: ModelStore
    /// Where an image the store lacks is read from: its mirrors, then its registry.
    public let router: SourceRouter
    public var insecure: Bool
    public var platform: Platform
    /// Replace a destination that already holds files.
    public var force: Bool
    /// Entries one layer may hold (a guard against tar bombs).
    public var maximumEntries: Int
    /// Bytes all layers together may unpack to (`--max-bytes`); nil: `ExpansionLimit.byDefault`.
    public var maximumBytes: Int64?
    /// Stalls, the retry window and the rate limit of streamed layers; a cut transfer continues where it stopped.
    public var transfer: TransferOptions

    public init(store: ModelStore, router: SourceRouter? = nil, insecure: Bool = false,
                platform: Platform = .current, force: Bool = false, maximumEntries: Int = ImageExtractor.defaultMaximumEntries,
                maximumBytes: Int64? = nil, transfer: TransferOptions = TransferOptions()) {
        self.store = store
        self.router = router ?? SourceRouter(stallTimeout: transfer.stallTimeout, retry: transfer.retry)
        self.insecure = insecure
        self.platform = platform
        self.force = force
        self.maximumEntries = maximumEntries
        self.maximumBytes = maximumBytes
        self.transfer = transfer
    }

    public func extract(_ reference: Reference, into directory: String,
                        progress: TransferProgress = TransferProgress()) async throws -> Result {
        let destination = URL(fileURLWithPath: directory).standardizedFileURL.path
        try checkDestination(destination)
        var sources: PullSources?
        let manifest: ImageManifest
        if let stored = store.modelIfPresent(reference) {
            manifest = stored.manifest
        } else {
            let resolved = try await router.sources(for: reference, insecure: insecure).resolveImage(platform: platform)
            manifest = resolved.1
            sources = resolved.2
        }
        for layer in manifest.layers where !MediaType.imageLayerTypes.contains(layer.mediaType) {
            throw ModelGetError.invalidArchive(archive: "layer \(layer.digest)",
                                               reason: "media type \(layer.mediaType) is not an image layer; `blob` writes model files")
        }
        let config = try ImageConfig.decode(try await readConfig(manifest.config, of: reference, sources: &sources),
                                            name: manifest.config.digest.description)
        guard let diffIDs = config.rootfs?.diffIDs, diffIDs.count == manifest.layers.count else {
            throw ModelGetError.invalidManifest(
                reason: "config lists \(config.rootfs?.diffIDs.count ?? 0) diff_ids for \(manifest.layers.count) layers")
        }
        progress.addTotal(bytes: manifest.layers.reduce(0) { $0 + $1.size }, blobs: manifest.layers.count)

        let rateLimiter = transfer.limitRate.map { RateLimiter(bytesPerSecond: $0) }
        let staging = try makeStaging(beside: destination)
        let limit = maximumBytes.map(ExpansionLimit.given)
            ?? .byDefault(compressedBytes: manifest.layers.reduce(0) { $0 + $1.size }, into: (destination as NSString).deletingLastPathComponent)
        let budget = ExpansionLimit.Budget(limit, for: "image \(reference.displayName)")
        var result = Result(directory: destination, layers: manifest.layers.count, layersFromStore: 0,
                                   bytesTransferred: 0, uncompressedBytes: 0, skippedDevices: 0)
        do {
            let root = RootFilesystem(root: staging)
            let fixups = DirectoryFixups()
            for (layer, diffID) in zip(manifest.layers, diffIDs) {
                let unpacker = LayerUnpacker(root: root, name: "layer \(layer.digest)", maximumEntries: maximumEntries, fixups: fixups)
                let uncompressed: Int64
                if store.hasBlob(layer) {
                    uncompressed = try await unpackStored(layer, diffID: diffID, with: unpacker, budget: budget)
                    progress.addPresent(layer.size)
                    result.layersFromStore += 1
                } else {
                    if sources == nil { sources = try router.sources(for: reference, insecure: insecure) }
                    uncompressed = try await unpackRemote(layer, diffID: diffID, with: unpacker, budget: budget, from: sources!,
                                                          progress: progress, rateLimiter: rateLimiter)
                }
                progress.blobDone()
                result.uncompressedBytes += uncompressed
                result.skippedDevices += unpacker.skippedDevices
            }
            try fixups.apply(in: root)
            try commit(staging, to: destination)
        } catch var ModelGetError.unreachable(outage) {
            try? RootFilesystem.removeTree(staging)
            // Layers stream into the tree, so nothing is kept for a next run.
            outage.partialKept = false
            throw ModelGetError.unreachable(outage)
        } catch {
            try? RootFilesystem.removeTree(staging)
            throw error
        }
        result.bytesTransferred = progress.transferredBytes
        return result
    }

    /// Refuses a destination that is not a directory, or holds files without `force`.
    private func checkDestination(_ destination: String) throws {
        var info = stat()
        guard lstat(destination, &info) == 0 else { return }
        guard (info.st_mode & S_IFMT) == S_IFDIR else {
            throw ModelGetError.fileSystem(path: destination, reason: "exists and is not a directory")
        }
        if !force, !(try RootFilesystem.children(of: destination)).isEmpty {
            throw ModelGetError.destinationNotEmpty(path: destination)
        }
    }

    /// A fresh hidden directory beside the destination, as a path without
    /// symbolic links (the root every layer path is resolved in).
    private func makeStaging(beside destination: String) throws -> String {
        let parent = (destination as NSString).deletingLastPathComponent
        try FileIO.makeDirectories(parent)
        let name = (destination as NSString).lastPathComponent
        removeInterruptedStaging(of: name, in: parent)
        let staging = parent + "/.\(name).modelget-extract-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        guard mkdir(staging, 0o755) == 0 else { throw FileIO.error(staging) }
        guard let real = realpath(staging, nil) else { throw FileIO.error(staging) }
        defer { free(real) }
        return String(cString: real)
    }

    /// Removes the trees interrupted extracts into the same destination
    /// left (`kill -9`, a crash): their process is gone.
    private func removeInterruptedStaging(of name: String, in parent: String) {
        let prefix = ".\(name).modelget-extract-"
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? [] where entry.hasPrefix(prefix) {
            guard let pid = Int32(entry.dropFirst(prefix.count).prefix { $0.isNumber }), kill(pid, 0) != 0, errno == ESRCH else { continue }
            try? RootFilesystem.removeTree(parent + "/" + entry)
        }
    }

    /// Puts the finished tree at the destination: an empty directory there
    /// is replaced; with `force` a full one is moved aside, then removed.
    private func commit(_ staging: String, to destination: String) throws {
        var aside: String?
        if RootFilesystem.isDirectory(destination) {
            if (try RootFilesystem.children(of: destination)).isEmpty {
                guard rmdir(destination) == 0 else { throw FileIO.error(destination) }
            } else {
                let old = staging + ".replaced"
                guard rename(destination, old) == 0 else { throw FileIO.error(destination) }
                aside = old
            }
        }
        guard rename(staging, destination) == 0 else { throw FileIO.error(destination) }
        if let aside { try RootFilesystem.removeTree(aside) }
    }

    private func readConfig(_ descriptor: Descriptor, of reference: Reference, sources: inout PullSources?) async throws -> Data {
        guard descriptor.size <= ImageConfig.maximumSize else {
            throw ModelGetError.invalidManifest(reason: "config \(descriptor.digest) is larger than \(ImageConfig.maximumSize) bytes")
        }
        let data: Data
        if store.hasBlob(descriptor), let stored = try? store.blobBytes(descriptor) {
            data = stored
        } else {
            if sources == nil { sources = try router.sources(for: reference, insecure: insecure) }
            let sink = MemorySink(limit: descriptor.size)
            let response = try await BlobSource(sources: sources!, digest: descriptor.digest).fetch(range: nil, sink: sink)
            guard (200..<300).contains(response.status) else { throw RegistryErrorBody.error(for: response, url: response.url) }
            data = sink.data
        }
        try descriptor.digest.verify(actualHex: SHA256Hasher.hex(of: data))
        return data
    }

    private func unpackStored(_ layer: Descriptor, diffID: Digest, with unpacker: LayerUnpacker,
                              budget: ExpansionLimit.Budget) async throws -> Int64 {
        let box = UncheckedBox(unpacker)
        return try await onOwnThread("modelget-unpack") { [store] in
            let blob = try store.openBlob(layer.digest)
            defer { blob.close() }
            return try Self.unpack(fd: blob.fd, layer: layer, diffID: diffID, with: box.value, budget: budget)
        }
    }

    private func unpackRemote(_ layer: Descriptor, diffID: Digest, with unpacker: LayerUnpacker, budget: ExpansionLimit.Budget,
                              from sources: PullSources, progress: TransferProgress, rateLimiter: RateLimiter?) async throws -> Int64 {
        let pipe = try LayerPipe(progress: progress, rateLimiter: rateLimiter)
        let box = UncheckedBox(unpacker)
        async let unpacked = onOwnThread("modelget-unpack") {
            defer { pipe.closeReader() }
            return try Self.unpack(fd: pipe.reader, layer: layer, diffID: diffID, with: box.value, budget: budget)
        }
        var transferError: Error?
        do {
            // A transfer cut short continues from the bytes already delivered (from the next source when a mirror broke off).
            let source = BlobSource(sources: sources, digest: layer.digest)
            try await ResumableStream.run(into: pipe, size: layer.size, retry: transfer.retry, host: { source.host }) { range in
                try await source.fetch(range: range, sink: pipe)
            }
        } catch {
            transferError = error
        }
        pipe.closeWriter()
        do {
            let bytes = try await unpacked
            if let transferError { throw transferError }
            return bytes
        } catch {
            // The unpacker's reason wins when it stopped the transfer; a
            // failed transfer explains an unpacker that saw the stream end early.
            if let transferError, !pipe.readerGone { throw transferError }
            throw error
        }
    }

    /// Unpacks one layer from `fd`, then checks its digest, size and diff_id;
    /// returns its uncompressed size.
    private static func unpack(fd: Int32, layer: Descriptor, diffID: Digest, with unpacker: LayerUnpacker,
                               budget: ExpansionLimit.Budget) throws -> Int64 {
        let stream = LayerStream(fd: fd, name: "layer \(layer.digest)", expectedSize: layer.size, budget: budget)
        try stream.open()
        try unpacker.apply(stream)
        let uncompressedHex = try stream.finish(digest: layer.digest)
        guard uncompressedHex == diffID.hex else {
            throw ModelGetError.invalidArchive(
                archive: "layer \(layer.digest)",
                reason: "uncompressed content hashes to sha256:\(uncompressedHex), but the config's diff_id is \(diffID)")
        }
        return stream.uncompressedBytes
    }
}

/// Hands a non-Sendable object to the one thread that uses it next; the
/// caller does not touch it until that thread is done.
private struct UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}

extension ImageExtractor {
    /// What an extraction did.
    public struct Result: Sendable {
        /// The directory written.
        public var directory: String
        /// Layers applied, in order.
        public var layers: Int
        /// Layers read from the store rather than the registry.
        public var layersFromStore: Int
        /// Bytes of layers that crossed the network.
        public var bytesTransferred: Int64
        /// Uncompressed bytes of all layers.
        public var uncompressedBytes: Int64
        /// Device nodes left out because the process is not root.
        public var skippedDevices: Int
    }
}
