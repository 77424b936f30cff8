import Foundation

/// Fetches what a `PartClaim` of one blob still lacks into its partial
/// file (the sink records each write in the part state), each request
/// holding a slot of the shared budget, retrying connection errors,
/// stalls, 5xx, 408 and 429 (honouring `Retry-After`) from where the
/// bytes stopped. Other failures end the blob at once with the registry's
/// message. A loop that owns bytes (check-layout's `RETRY_LOOPS`): the
/// retries the transport makes for its requests count against the same
/// `RetryWindow`.
///
/// Every loop is bounded: it gives up once the other side has failed for
/// the whole retry window (`RetryPolicy.window`) with no attempt keeping
/// new bytes toward the blob (at least `meaningfulProgress`, or all that
/// was left), or once it fetched more than the blob's `FetchBudget`.
struct PartFetcher: Sendable {
    let source: BlobSource
    let writer: BlobWriter
    let retry: RetryPolicy
    let progress: TransferProgress
    let slots: TransferSlots
    let budget: FetchBudget
    let rateLimiter: RateLimiter?
    /// Which hosts' bodies take connections of their own.
    let connections: HostConnections

    /// Fewer new bytes than this in an attempt is no progress (a server
    /// that sends a few bytes and stalls every time).
    static let meaningfulProgress: Int64 = 256 << 10

    /// What fetching a claim found.
    struct Fetched {
        /// The server sent the whole blob instead (it ignores `Range`),
        /// which then needs nothing more.
        var wholeBody = false
        /// Whether the last body arrived at memory speed (`PathSpeed`; nil: too small to tell).
        var atMemorySpeed: Bool?
    }

    /// Fetches what `claim` lacks. `ownConnection` asks for a connection
    /// that carries only this part; `overloaded` hears of 429 and 503 answers.
    @discardableResult
    func fetch(_ claim: PartClaim, acceptsWholeBody: Bool, ownConnection: Bool = false,
               overloaded: (@Sendable () -> Void)? = nil) async throws -> Fetched {
        let delivery = BodyDelivery(ownConnection: ownConnection, connectionChoice: connections, rateLimiter: rateLimiter)
        var furthest = claim.remaining.lowerBound
        let window = RetryWindow(retry)
        var fetched = Fetched()
        while true {
            let remaining = claim.remaining
            guard !remaining.isEmpty else { return fetched }
            let sink = PartSink(claim: claim, writer: writer, budget: budget,
                                progress: progress, acceptsWholeBody: acceptsWholeBody, delivery: delivery)
            let failure: Error
            var retryAfter: String?
            var host = source.host
            do {
                let asked = remaining == 0..<writer.size ? nil : remaining
                let response = try await RetryWindow.$current.withValue(window) {
                    try await slots.withSlot {
                        try await progress.inFlight { try await source.fetch(range: asked, sink: sink) }
                    }
                }
                fetched.wholeBody = fetched.wholeBody || sink.receivedWholeBody
                host = RetryingHTTPClient.hostAndPort(response.url)
                if (200..<300).contains(response.status) {
                    if let firstByte = sink.firstByte, let lastByte = sink.lastByte {
                        fetched.atMemorySpeed = PathSpeed.isMemorySpeed(bytes: sink.written, seconds: (lastByte - firstByte).seconds)
                    }
                    if claim.isDone { return fetched }
                    failure = ModelGetError.network(
                        url: response.url.redacted,
                        reason: "connection closed after \(sink.written) of \(remaining.count) bytes")
                } else {
                    let error = RegistryErrorBody.error(for: response, url: response.url)
                    if response.status == 429 || response.status == 503 { overloaded?() }
                    guard RetryPolicy.isRetryable(status: response.status) else { throw error }
                    failure = error
                    retryAfter = response.headers["Retry-After"]
                }
            } catch {
                fetched.wholeBody = fetched.wholeBody || sink.receivedWholeBody
                // Another connection took the rest of this claim.
                if claim.isDone { return fetched }
                guard RetryPolicy.isRetryable(error) else { throw error }
                failure = error
            }
            let reached = claim.remaining.lowerBound
            if reached - furthest >= min(Self.meaningfulProgress, max(1, remaining.upperBound - furthest)) {
                furthest = reached
                window.progressed()
                progress.status = nil
            }
            let delay = try window.failed(failure, host: host, retryAfter: retryAfter)
            if let left = window.remaining {
                // On screen while it lasts: retrying, not hung.
                progress.status = "retrying \(host): \(RetryWindow.reason(failure)); giving up in \(ProgressFormat.duration(left)) (--retry-window)"
            }
            Diagnostics.verbose("retrying \(writer.digest) in \(String(format: "%.1f", delay)) s: \(failure)")
            do {
                try await Task.sleep(nanoseconds: UInt64(delay * 1e9))
            } catch {
                if claim.isDone { return fetched }
                throw error
            }
        }
    }
}
