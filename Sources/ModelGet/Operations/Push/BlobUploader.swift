import Foundation

/// Puts one blob into a repository, trying the cheapest way first: `HEAD`
/// (present: skip), a cross-repository mount (when another repository of
/// the same registry holds it), then an upload — one `PUT` below
/// `monolithicLimit`, else `PATCH` chunks whose session is saved after
/// each one, so that an interrupted upload continues from the registry's
/// `Range` instead of starting over. Retries per `RetryPolicy` within its
/// `RetryWindow`, as downloads do; a part the registry kept starts the
/// window afresh.
struct BlobUploader: Sendable {
    let client: RegistryClient
    let repository: String
    let scopes: [String]
    /// A repository of the same registry that may hold the blob.
    let mountFrom: String?
    let sessions: SavedUploadSessions
    let options: PushOptions
    let progress: TransferProgress
    /// The operation's upload budget per second (`--limit-rate`), if any.
    let rateLimiter: RateLimiter?

    /// Makes sure the registry holds `blob`. `source` gives its bytes,
    /// opened (its owner closes them), and is called only when they must be sent.
    func upload(_ blob: Descriptor, source: @Sendable () async throws -> StoredBlob) async throws -> BlobOutcome {
        let window = RetryWindow(options.transfer.retry)
        while true {
            let counter = SentByteCounter(progress: progress, rateLimiter: rateLimiter)
            do {
                let outcome = try await RetryWindow.$current.withValue(window) {
                    try await attemptUpload(blob, source: source, counter: counter)
                }
                if outcome != .sent { progress.addPresent(blob.size) }
                progress.blobDone()
                return outcome
            } catch {
                progress.discard(counter.count + counter.resumed)
                guard RetryPolicy.isRetryable(error) else { throw error }
                // A part the registry kept is progress: the window starts afresh.
                if counter.kept > 0 { window.progressed() }
                let delay = try window.failed(error, host: client.host)
                Diagnostics.verbose("retrying the upload of \(blob.digest) in \(String(format: "%.1f", delay)) s: \(error)")
                try await Task.sleep(nanoseconds: UInt64(delay * 1e9))
            }
        }
    }

    private func attemptUpload(_ blob: Descriptor, source: @Sendable () async throws -> StoredBlob,
                               counter: SentByteCounter) async throws -> BlobOutcome {
        let digest = blob.digest
        if try await client.blobExists(repository: repository, digest: digest, scopes: scopes) {
            sessions.remove(digest)
            return .skipped
        }
        var offered: (url: URL, redirects: Bool)?
        if let mountFrom {
            switch try await client.startUpload(repository: repository, mount: (digest, mountFrom), scopes: scopes) {
            case .mounted:
                sessions.remove(digest)
                return .mounted
            case let .session(url, redirects):
                // Mount refused (the source lacks it): upload in this session.
                offered = (url, redirects)
            }
        }
        let bytes = try await source()
        guard bytes.size == blob.size else {
            throw ModelGetError.sizeMismatch(digest: digest.description, expected: blob.size, actual: bytes.size)
        }
        // registry.ollama.ai takes every blob in parts by redirect, as ollama sends them.
        let ollamaFamily = client.family.contains(client.host)
        if blob.size < options.monolithicLimit, !ollamaFamily, offered?.redirects != true {
            let session = try await offeredOrNew(offered)
            if !session.redirects {
                try await client.finishUpload(session: session.url, digest: digest, body: .reader(bytes, offset: 0, length: blob.size),
                                              scopes: scopes, observer: counter)
                return .sent
            }
            offered = session
        }
        if !ollamaFamily, offered?.redirects != true, let resumed = try await resumedSession(digest, size: blob.size, counter: counter) {
            try await sendParts(of: blob, bytes: bytes, session: resumed, partSize: options.chunkSize, counter: counter)
            return .sent
        }
        let session = try await offeredOrNew(offered)
        let redirects = ollamaFamily || session.redirects
        try await sendParts(of: blob, bytes: bytes, session: Session(url: session.url, offset: 0),
                            partSize: redirects ? options.redirectPartSize(for: blob.size) : options.chunkSize, counter: counter)
        return .sent
    }

    /// Sends the blob from `session.offset` in `PATCH`es of `partSize`, then
    /// commits it. A part the registry redirects goes to storage by `PUT`
    /// while the next `PATCH` goes out (up to `parallelStorageParts` at
    /// once, as ollama's server/upload.go), and the commit then carries the
    /// parts' etag. The session is saved after each part the registry
    /// itself took, so an interrupted plain upload resumes; redirected
    /// parts are not resumable (storage cannot be asked what it holds).
    private func sendParts(of blob: Descriptor, bytes: StoredBlob, session start: Session, partSize: Int64,
                           counter: SentByteCounter) async throws {
        let digest = blob.digest
        var session = start
        var parts: [(offset: Int64, length: Int64)] = []
        var redirected = false
        try sessions.save(session.url, for: digest)
        try await withThrowingTaskGroup(of: Void.self) { storageParts in
            var running = 0
            while session.offset < blob.size {
                let offset = session.offset, length = min(partSize, blob.size - offset)
                let patch = SentByteCounter(progress: progress, rateLimiter: rateLimiter)
                let answer: RegistryClient.ChunkAnswer
                do {
                    answer = try await client.uploadChunk(session: session.url, bytes: bytes, offset: offset, length: length,
                                                          scopes: scopes, observer: patch)
                } catch {
                    progress.discard(patch.count)
                    throw error
                }
                switch answer {
                case let .accepted(next):
                    counter.adopt(patch)
                    session.url = next
                case let .redirected(next, storage):
                    // What the PATCH carried is not what arrives: only the PUT to storage counts.
                    progress.discard(patch.count)
                    if !redirected { sessions.remove(digest) }
                    redirected = true
                    if running == Self.parallelStorageParts {
                        try await storageParts.next()
                        running -= 1
                    }
                    storageParts.addTask { [client] in
                        try await client.putPart(storage: storage, bytes: bytes, offset: offset, length: length, observer: counter)
                    }
                    running += 1
                    session.url = next
                }
                parts.append((offset, length))
                session.offset += length
                if !redirected { try sessions.save(session.url, for: digest) }
            }
            try await storageParts.waitForAll()
        }
        let etag = redirected ? try RedirectUploadEtag.etag(of: bytes, parts: parts) : nil
        try await client.finishUpload(session: session.url, digest: digest, etag: etag, body: .data(Data()), scopes: scopes, observer: counter)
        sessions.remove(digest)
    }

    /// Parts of one blob going to storage at once (ollama's `numUploadParts`).
    static let parallelStorageParts = 16

    /// The session a refused mount opened, else a new one.
    private func offeredOrNew(_ offered: (url: URL, redirects: Bool)?) async throws -> (url: URL, redirects: Bool) {
        if let offered { return offered }
        guard case let .session(url, redirects) = try await client.startUpload(repository: repository, scopes: scopes) else {
            throw ModelGetError.http(status: 201, url: repository, code: nil, message: "upload started without a session")
        }
        return (url, redirects)
    }

    /// The saved session for `digest`, asked for how much it holds; nil
    /// when there is none or the registry no longer knows it.
    private func resumedSession(_ digest: Digest, size: Int64, counter: SentByteCounter) async throws -> Session? {
        guard let saved = sessions.load(digest) else { return nil }
        guard client.isRegistryOrigin(saved),
              let status = try await client.uploadStatus(session: saved, scopes: scopes),
              status.offset <= size else {
            sessions.remove(digest)
            return nil
        }
        counter.resume(from: status.offset)
        return Session(url: status.session, offset: status.offset)
    }
}

extension BlobUploader {
    /// An upload session in progress: its newest URL and how many bytes the
    /// registry holds. Chunked uploads save it after every chunk (see
    /// `SavedUploadSessions`) so an interrupted push continues where it stopped.
    struct Session: Sendable {
        /// The newest `Location` the registry gave (with its `_state`).
        var url: URL
        /// Bytes the registry has received.
        var offset: Int64
    }
}
