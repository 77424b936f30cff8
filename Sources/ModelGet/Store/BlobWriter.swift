import Foundation
import Synchronization

/// A download's bytes on their way into the store, handed out by
/// `ModelStore.openBlobWriter`: it holds the lock on the blob's partial
/// file (`.modelget/partial/sha256-<hex>`), which is preallocated to the
/// blob's size (see `PartialBlob`), records which ranges hold bytes (the
/// part state), hashes the bytes as they are written (`PrefixHasher`,
/// kept bytes re-hashed),
/// and on `commit` fsyncs the file and renames it to `blobs/sha256-<hex>`
/// only when the hash matches the digest. Callers give it bytes and
/// offsets; they never see a file descriptor or a path.
final class BlobWriter: Sendable {
    /// What `commit` found.
    enum Commit: Equatable {
        /// The bytes hash to the digest; the blob is in place.
        case committed
        /// The bytes hash to something else (`actual`); nothing was renamed.
        case mismatch(actual: String)
    }

    let digest: Digest
    let size: Int64
    /// The store lock the writer was opened under; its rename asks for it.
    private let lease: StoreLease
    private let lock: PartialFileLock
    private let blob: PartialBlob
    private let hasher: PrefixHasher
    /// Set once a `CommitBatch` holds the writer: it, not `close`, lets go.
    private let batched = Mutex(false)
    /// Bytes between two part-state records taken as bytes arrive (0: none).
    private let recordSpacing = Atomic<Int64>(0)
    private let sinceRecord = Atomic<Int64>(0)
    private let recordPending = Atomic<Bool>(false)
    /// Where those records are written, so the transfer's thread never waits for the disk.
    private let recorder = DispatchQueue(label: "modelget-part-state")

    init(lease: StoreLease, digest: Digest, lock: PartialFileLock, blob: PartialBlob) {
        self.lease = lease
        self.digest = digest
        self.size = blob.size
        self.lock = lock
        self.blob = blob
        self.hasher = PrefixHasher(fd: lock.fd, path: blob.path, written: blob.completed)
    }

    /// The ranges holding bytes (kept from an earlier run or written since).
    var completed: ByteRanges { blob.completed }

    /// The ranges still to fetch.
    var missing: [Range<Int64>] { blob.missing }

    /// Writes `bytes` at `offset`, hashes them and records the range.
    func write(_ bytes: UnsafeRawBufferPointer, at offset: Int64) throws {
        do {
            try FileIO.pwriteAll(lock.fd, bytes, at: offset, path: blob.path)
        } catch ModelGetError.diskFull(let path, _) {
            // What the blob still lacks, not this write's share of it.
            throw ModelGetError.diskFull(path: path, needed: size - blob.completed.count)
        }
        hasher.didWrite(bytes, at: offset)
        blob.markDone(offset..<(offset + Int64(bytes.count)))
        let spacing = recordSpacing.load(ordering: .relaxed)
        guard spacing > 0 else { return }
        let since = sinceRecord.add(Int64(bytes.count), ordering: .relaxed).newValue
        if since >= spacing, recordPending.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged {
            sinceRecord.store(0, ordering: .relaxed)
            recorder.async { [self] in
                if recordSpacing.load(ordering: .relaxed) > 0 { try? blob.checkpoint() }
                recordPending.store(false, ordering: .releasing)
            }
        } else if since >= 2 * spacing {
            // The record in progress is stuck behind the disk (a rename
            // waits while an fsync of the blob flushes its journal):
            // wait for it rather than let more bytes go unrecorded.
            recorder.sync {}
        }
    }

    /// Also records the part state each time `bytes` more were written
    /// (whatever a timer does): at 400 MiB/s a quarter second is 100 MiB,
    /// which a `kill -9` would fetch twice. A writer two spacings ahead of
    /// the last record waits for the one in progress, so no more than that
    /// goes unrecorded however slow the disk. Until `stopRecording`.
    func record(every bytes: Int64) {
        sinceRecord.store(0, ordering: .relaxed)
        recordSpacing.store(max(1, bytes), ordering: .relaxed)
    }

    /// Stops the records `record(every:)` started and waits for the last one.
    func stopRecording() {
        recordSpacing.store(0, ordering: .relaxed)
        recorder.sync {}
    }

    /// Forgets every byte written: the blob is being rewritten from byte 0.
    func restart() {
        blob.clearDone()
        hasher.reset()
    }

    /// Records the written ranges without waiting for the disk (see `PartialBlob`).
    func checkpoint() throws {
        try blob.checkpoint()
    }

    /// fsyncs the bytes, then records them as durable (see `PartialBlob`).
    func durableCheckpoint() throws {
        try blob.durableCheckpoint()
    }

    /// Verifies every byte against the digest; on a match calls `verified`,
    /// fsyncs the file, renames it to `blobs/sha256-<hex>` and removes the
    /// part state. Throws when bytes are still missing.
    func commit(verified: @Sendable () -> Void = {}) async throws -> Commit {
        if let mismatch = try await verify() { return mismatch }
        verified()
        try await BlockingIO.run {
            try self.syncFile()
            try self.rename()
        }
        return .committed
    }

    /// Verifies every byte like `commit`; on a match calls `verified` and
    /// hands the blob to `batch`, which makes it durable with the others and
    /// names it before its `finish` returns. The writer stays locked until
    /// then; `close` leaves it to the batch.
    func commit(into batch: CommitBatch, verified: @Sendable () -> Void) async throws -> Commit {
        if let mismatch = try await verify() { return mismatch }
        verified()
        // No writeback is started here: the batch's one flush writes many
        // blobs out together for less CPU than one start per blob (measured:
        // bench/README.md, "Small blobs, round 3").
        batched.withLock { $0 = true }
        try await batch.add(self)
        return .committed
    }

    /// nil when the bytes hash to the digest, else the mismatch.
    private func verify() async throws -> Commit? {
        guard let actual = try await hasher.finish(size: size) else {
            throw ModelGetError.network(url: digest.description, reason: "bytes missing after every part finished")
        }
        return actual == digest.hex ? nil : .mismatch(actual: actual)
    }

    /// Gives the verified, durable file its final name (a `CommitBatch`
    /// made it durable, or `commit` fsynced it).
    func rename() throws {
        try lease.store.commitBlob(from: blob.path, digest: digest, under: lease)
        blob.removeState()
    }

    /// Starts writing the bytes so far to disk without waiting (a big
    /// blob's checkpoints), so the fsync at commit does not wait for all of them.
    func startWriteback() {
        FileIO.startWriteback(lock.fd)
    }

    /// fsyncs this blob's bytes (a `CommitBatch` of one).
    func syncFile() throws {
        try FileIO.fsync(lock.fd, path: blob.path)
    }

    /// Makes every file written on the store's file system durable (a
    /// `CommitBatch`'s one flush for all its blobs).
    func syncFileSystem() throws {
        try FileIO.syncFileSystem(lock.fd, path: blob.path)
    }

    /// Throws every byte away (keeping the space reserved) to start over.
    func discard() throws {
        try blob.discard()
        hasher.reset()
    }

    /// Lets go of the partial file (it stays for a resume, or was renamed),
    /// unless a `CommitBatch` holds the writer.
    func close() {
        guard !batched.withLock({ $0 }) else { return }
        lock.release()
    }

    /// Lets go of the partial file once a `CommitBatch` is done with it.
    func releaseFromBatch() {
        lock.release()
    }
}

extension ModelStore {
    /// A writer for `descriptor`'s blob, once this process holds its
    /// partial file (waiting while another process does, with `waiting`
    /// told when the wait starts and ends); nil when the blob is in place
    /// meanwhile (another process finished it). A download ollama left is
    /// taken over, and ranges an earlier run recorded are kept. The caller
    /// must `close` the writer. The writer names the blob under `lease`,
    /// this store's.
    func openBlobWriter(for descriptor: Descriptor, under lease: StoreLease,
                        waiting: @Sendable (Bool) -> Void = { _ in }) async throws -> BlobWriter? {
        try lease.check(opens: self)
        let digest = descriptor.digest
        let partial = partialPath(digest)
        guard let lock = try await PartialFileLock.acquire(partial, until: { hasBlob(descriptor) }, waiting: waiting) else { return nil }
        do {
            owner?.apply(fd: lock.fd)
            let statePath = partialStatePath(digest)
            // A part state only ever describes a partial file holding bytes
            // (see `PartialBlob`), so an empty one has none to read.
            let recorded = lock.wasEmpty ? nil : PartState.load(statePath)
            let state = try recorded ?? adoptOllamaPartial(digest, size: descriptor.size, into: lock.fd, path: partial)
            let blob = try PartialBlob.open(fd: lock.fd, path: partial, statePath: statePath, state: state,
                                            size: descriptor.size, wasEmpty: lock.wasEmpty)
            return BlobWriter(lease: lease, digest: digest, lock: lock, blob: blob)
        } catch {
            lock.release()
            throw error
        }
    }
}
