import Foundation

extension ModelStore {
    /// Makes the file at `path` `descriptor`'s blob through a `BlobWriter`,
    /// for bytes a caller wrote whole before it knew they were a blob (an
    /// import's staged member, serve's pull-through file): the file takes
    /// the place of the blob's partial file under its lock, and the writer
    /// hashes its bytes again and names it `blobs/sha256-<hex>` only when
    /// they match the digest. No byte is copied, so no extra space is
    /// needed. The file must be in the store's file system (under
    /// `.modelget/`). Returns false when the blob was in place already (the
    /// file is then left where it was); throws `sizeMismatch` before
    /// anything moved, or `digestMismatch` (the file is then removed). Call it while holding
    /// `whileWriting`, up to the manifest naming the blob, so a prune
    /// cannot take the blob first.
    public func adoptBlob(at path: String, as descriptor: Descriptor) async throws -> Bool {
        guard let writer = try await openBlobWriter(adopting: path, as: descriptor) else { return false }
        defer { writer.close() }
        switch try await writer.commit() {
        case .committed:
            return true
        case let .mismatch(actual):
            unlink(partialPath(descriptor.digest))
            throw ModelGetError.digestMismatch(digest: descriptor.digest.description, actual: actual)
        }
    }

    /// A writer whose partial file is the file at `path`, every byte of it
    /// counted as written and still to be hashed; nil when the blob is in
    /// place. The file is locked before it is renamed over the partial
    /// file, so a process waiting for the old partial file finds the new
    /// one locked (see `PartialFileLock.acquire`).
    private func openBlobWriter(adopting path: String, as descriptor: Descriptor) async throws -> BlobWriter? {
        let digest = descriptor.digest
        let partial = partialPath(digest)
        guard let previous = try await PartialFileLock.acquire(partial, until: { hasBlob(descriptor) }) else { return nil }
        defer { previous.release() }
        let fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw FileIO.error(path) }
        guard let lock = PartialFileLock.adopting(fd) else {
            close(fd)
            throw ModelGetError.fileSystem(path: path, reason: "another process holds the file")
        }
        do {
            var info = stat()
            guard fstat(fd, &info) == 0 else { throw FileIO.error(path) }
            guard Int64(info.st_size) == descriptor.size else {
                // The partial file `acquire` made for nothing goes too.
                if previous.wasEmpty { unlink(partial) }
                throw ModelGetError.sizeMismatch(digest: digest.description, expected: descriptor.size, actual: Int64(info.st_size))
            }
            owner?.apply(fd: fd)
            // The old partial file's ranges describe other bytes.
            unlink(partialStatePath(digest))
            guard rename(path, partial) == 0 else { throw FileIO.error(partial) }
            let written = ByteRanges([0..<descriptor.size])
            let blob = try PartialBlob.open(fd: fd, path: partial, statePath: partialStatePath(digest),
                                            state: PartState(size: descriptor.size, completed: written, durable: written),
                                            size: descriptor.size, wasEmpty: false)
            return BlobWriter(store: self, digest: digest, lock: lock, blob: blob)
        } catch {
            lock.release()
            throw error
        }
    }
}
