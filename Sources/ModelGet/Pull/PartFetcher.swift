import Foundation

/// Fetches byte ranges of one blob into its partial file (the sink records
/// each write in the part state), each request
/// holding a slot of the shared budget, retrying connection errors,
/// stalls, 5xx, 408 and 429 (honouring `Retry-After`) from where the
/// bytes stopped. Attempts are bounded per range; a retry that brought
/// bytes starts the count again. Other failures end the blob at once with
/// the registry's message.
struct PartFetcher: Sendable {
    let source: BlobSource
    let blob: PartialBlob
    let hasher: PrefixHasher
    let retry: RetryPolicy
    let progress: TransferProgress
    let slots: TransferSlots

    /// Fetches `range`; returns true when the server sent the whole blob
    /// instead (it ignores `Range`), which then needs nothing more.
    func fetch(_ range: Range<Int64>, acceptsWholeBody: Bool) async throws -> Bool {
        var remaining = range
        var attempt = 0
        while true {
            attempt += 1
            let sink = PartSink(range: remaining, blob: blob, hasher: hasher, digest: source.digest,
                                progress: progress, acceptsWholeBody: acceptsWholeBody)
            let failure: Error
            var retryAfter: String?
            do {
                let asked = remaining == 0..<blob.size ? nil : remaining
                let response = try await slots.withSlot { try await source.fetch(range: asked, sink: sink) }
                if (200..<300).contains(response.status) {
                    if sink.isComplete {
                        return sink.receivedWholeBody
                    }
                    failure = ModelGetError.network(
                        url: response.url.redacted,
                        reason: "connection closed after \(sink.written) of \(sink.range.count) bytes")
                } else {
                    let error = RegistryErrorBody.error(for: response, url: response.url)
                    guard RetryPolicy.isRetryable(status: response.status) else { throw error }
                    failure = error
                    retryAfter = response.headers["Retry-After"]
                }
            } catch {
                guard RetryPolicy.isRetryable(error) else { throw error }
                failure = error
            }
            if sink.written > 0 { attempt = 1 }
            guard attempt < retry.maximumAttempts else { throw failure }
            let resumeAt = sink.start + sink.written
            remaining = sink.receivedWholeBody ? resumeAt..<blob.size : resumeAt..<remaining.upperBound
            try await Task.sleep(nanoseconds: UInt64(retry.delay(afterAttempt: attempt, retryAfter: retryAfter) * 1e9))
        }
    }
}
