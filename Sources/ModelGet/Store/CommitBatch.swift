import Foundation
import Synchronization

/// Verified blobs waiting for their final name, made durable together:
/// one `syncfs` of the store's file system for up to `limit` blobs instead
/// of an fsync each (for many small blobs the fsyncs cost more than the
/// fetching), then each renamed to `blobs/sha256-<hex>`. A blob is on disk
/// before its name appears, as with its own fsync, and `finish` returns
/// only once every blob added has its name (the manifest comes after).
/// Each waiting blob keeps its partial file locked (one descriptor), so
/// `limit` bounds the descriptors held.
final class CommitBatch: Sendable {
    private let limit: Int
    private let waiting = Mutex<[BlobWriter]>([])

    /// A batch flushed whenever `limit` blobs wait.
    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Adds a verified writer; when `limit` wait, flushes them (this caller
    /// waits for that).
    func add(_ writer: BlobWriter) async throws {
        let full = waiting.withLock { list -> [BlobWriter]? in
            list.append(writer)
            guard list.count >= limit else { return nil }
            defer { list = [] }
            return list
        }
        if let full { try await Self.flush(full) }
    }

    /// Flushes and names every blob still waiting.
    func finish() async throws {
        try await Self.flush(takeAll())
    }

    /// Lets go of every waiting blob without naming it (the operation
    /// failed): its partial file stays, verified bytes and all.
    func abandon() {
        for writer in takeAll() { writer.releaseFromBatch() }
    }

    private func takeAll() -> [BlobWriter] {
        waiting.withLock { list in
            defer { list = [] }
            return list
        }
    }

    private static func flush(_ list: [BlobWriter]) async throws {
        guard let first = list.first else { return }
        defer { for writer in list { writer.releaseFromBatch() } }
        try await BlockingIO.run {
            // syncfs writes out other processes' files too: worth it for
            // many blobs, not for one (a big pull's config, say).
            if list.count == 1 { try first.syncFile() } else { try first.syncFileSystem() }
            for writer in list { try writer.rename() }
        }
    }
}
