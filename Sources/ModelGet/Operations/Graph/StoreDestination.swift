import Foundation

/// The models directory as a graph copy's destination (`pull`,
/// `copy --keep`, `import`, each model of a `sync`): opened under the
/// store lock (shared, as a pull), each blob the store lacks written through a
/// `BlobWriter` from the source's bytes (hashed as written, renamed into
/// `blobs/` only when they match), unless the source put it into this
/// very store ahead; image manifests written last, by name (an index's
/// images by digest). An index itself is not kept: the store holds
/// images, as a pull leaves them (ollama reads no index).
struct StoreDestination: GraphDestination {
    let store: ModelStore
    let reference: Reference

    func whileOpen<T: Sendable>(mountFrom: String?, _ body: (Opened) async throws -> T) async throws -> T {
        try store.prepare()
        try store.checkStorable(reference)
        return try await store.whileWriting { lease in
            try await body(Opened(reference: reference, lease: lease))
        }
    }

    /// The store while the copy holds its lock: every write goes under its lease.
    struct Opened: OpenGraphDestination {
        let reference: Reference
        let lease: StoreLease

        var storeLease: StoreLease? { lease }

        private var store: ModelStore { lease.store }

        func place(_ blob: Descriptor, mountFrom: String?, progress: TransferProgress,
                   bytes: @escaping @Sendable () async throws -> StoredBlob) async throws -> BlobOutcome {
            defer { progress.blobDone() }
            if store.hasBlob(blob) {
                progress.addPresent(blob.size)
                return .skipped
            }
            let source = try await bytes()
            if !store.hasBlob(blob) { try await write(blob, from: source) }
            progress.addPresent(blob.size)
            return .sent
        }

        func putManifest(_ manifest: FetchedManifest, as name: String, mountFrom: String?) async throws {
            guard case .image = manifest.document else { return }
            var target = reference
            if let digest = try? Digest(name) {
                // An index's image by its own digest, or a pull pinned to the index it was chosen from.
                target.tag = nil
                target.digest = digest
            } else {
                target.tag = name
                target.digest = nil
            }
            try store.writeManifest(manifest.data, for: target, under: lease)
        }

        /// Copies `source` into the store through a `BlobWriter`, which hashes
        /// the bytes and names the blob only when they match its digest.
        private func write(_ blob: Descriptor, from source: StoredBlob) async throws {
            guard source.size == blob.size else {
                throw ModelGetError.sizeMismatch(digest: blob.digest.description, expected: blob.size, actual: source.size)
            }
            // nil: another process finished the blob meanwhile.
            guard let writer = try await store.openBlobWriter(for: blob, under: lease) else { return }
            defer { writer.close() }
            // Bytes an earlier run left are written again rather than trusted.
            if writer.completed.count > 0 { try writer.discard() }
            var offset: Int64 = 0
            try source.forEachChunk(length: blob.size) { chunk in
                try writer.write(chunk, at: offset)
                offset += Int64(chunk.count)
            }
            if case let .mismatch(actual) = try await writer.commit() {
                throw ModelGetError.digestMismatch(digest: blob.digest.description, actual: actual)
            }
        }
    }
}
