import Foundation

/// Fetches one blob into the store: into `sha256-<hex>-partial` (locked,
/// so two processes never write one file), resuming from what a partial
/// file already holds after re-hashing it, retrying per `RetryPolicy`, and
/// renamed to `sha256-<hex>` only once size and hash match.
struct BlobDownloader: Sendable {
    let client: RegistryClient
    let store: ModelStore
    let repository: String
    let retry: RetryPolicy
    let progress: TransferProgress

    /// Downloads the blob unless it is present; returns once it is in place.
    func download(_ descriptor: Descriptor) async throws {
        let digest = descriptor.digest
        let partial = store.partialPath(digest)
        let lock = try await PartialFileLock.acquire(partial, until: { store.hasBlob(descriptor) })
        guard let lock else {
            // Another process finished it while we waited.
            progress.addPresent(descriptor.size)
            progress.blobDone()
            return
        }
        defer { lock.release() }

        var discardedForMismatch = false
        var attempt = 0
        while true {
            attempt += 1
            let sink = try resumableSink(for: descriptor, fd: lock.fd, path: partial)
            if attempt == 1 { progress.addPresent(sink.offset) }
            do {
                if sink.offset < descriptor.size {
                    let response = try await client.fetchBlob(repository: repository, digest: digest, offset: sink.offset, sink: sink)
                    if response.status == 416 {
                        try sink.restart()
                        continue
                    }
                    guard (200..<300).contains(response.status) else {
                        throw RegistryErrorBody.error(for: response, url: response.url)
                    }
                }
                guard sink.offset == descriptor.size else {
                    throw ModelGetError.network(url: digest.description, reason: "connection closed after \(sink.offset) of \(descriptor.size) bytes")
                }
                let actual = sink.hasher.finalizeHex()
                guard actual == digest.hex else {
                    try sink.restart()
                    if discardedForMismatch {
                        throw ModelGetError.digestMismatch(digest: digest.description, actual: actual)
                    }
                    discardedForMismatch = true
                    continue
                }
                try FileIO.fsync(lock.fd, path: partial)
                try store.commitBlob(from: partial, digest: digest)
                progress.blobDone()
                return
            } catch {
                guard RetryPolicy.isRetryable(error), attempt < retry.maximumAttempts else { throw error }
                try await Task.sleep(nanoseconds: UInt64(retry.delay(afterAttempt: attempt) * 1e9))
            }
        }
    }

    /// A sink positioned after the bytes the partial file already holds,
    /// which are re-hashed first.
    private func resumableSink(for descriptor: Descriptor, fd: Int32, path: String) throws -> BlobSink {
        var held = FileIO.size(path) ?? 0
        if held > descriptor.size {
            guard ftruncate(fd, 0) == 0 else { throw FileIO.error(path) }
            held = 0
        }
        let hasher = SHA256Hasher()
        try FileIO.hashPrefix(fd, length: held, into: hasher, path: path)
        return BlobSink(fd: fd, path: path, digest: descriptor.digest, expectedSize: descriptor.size,
                        offset: held, hasher: hasher, progress: progress)
    }
}
