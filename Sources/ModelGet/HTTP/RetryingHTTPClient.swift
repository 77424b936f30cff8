import Foundation
import Synchronization

/// The retry policy wrapped around a transport once, as oras-go's
/// `retry.Transport` wraps an `http.RoundTripper`: every request a
/// `RegistryClient` sends (manifests, tokens, HEADs, uploads, blob GETs,
/// extract's stream, `show --remote`, serve's upstream fetch) is retried
/// here when the other side is gone, so nothing built on top can forget it.
///
/// - A thrown transport error (refused, reset, DNS, TLS, stall) or a 5xx,
///   408 or 429 answer is tried again after `RetryPolicy`'s backoff
///   (`Retry-After` honoured) while the retry window lasts; the window is
///   the caller's `RetryWindow.current` when it runs under a loop that owns
///   the bytes, else one of the request's own.
/// - Under such a loop only failures before any answer are retried here; an
///   answer (even a 503) goes back to the loop, which hears the overload
///   (its `Retry-After` noted on the loop's window) and resumes from its
///   own bytes.
/// - A request is never sent again once its sink took body bytes, or once
///   an upload observer saw body bytes go out, or when it is a `PATCH` or
///   a `POST` with a body (resending those could append twice): whoever
///   owns those bytes resumes them.
/// - A host that has not answered once since the process started (a typo,
///   a registry that is not running) gets `quickRetries` quick retries and
///   then fails in one line: the window is for outages that start once the
///   work has begun. A request asked once (`mayRetry` false: a probe, a CDN
///   location its owner re-asks the registry for) gets no retry here.
package final class RetryingHTTPClient: HTTPClient {
    /// The transport the requests go through.
    package let base: HTTPClient
    package let policy: RetryPolicy
    /// Hosts (`host:port`) that have answered at least once.
    private let answered = Mutex<Set<String>>([])

    package init(_ base: HTTPClient, policy: RetryPolicy) {
        self.base = base
        self.policy = policy
    }

    package func send(_ request: HTTPRequest, sink: ResponseBodySink?, uploadObserver: UploadProgressObserver?) async throws -> HTTPResponse {
        let host = Self.hostAndPort(request.url)
        // A client that never retries (a mirror's: its failure hands over to the next source) sends once, whatever window it runs under.
        guard request.mayRetry, policy.retries else {
            do {
                return try await sendOnce(request, host: host, sink: sink.map(WatchedSink.init), uploadObserver: uploadObserver)
            } catch where policy.retries && RetryPolicy.isRetryable(error) && !hasAnswered(host) && policy.window > 0 {
                // Asked once, and nothing ever answered there: not worth a retry by anyone.
                throw ModelGetError.unreachable(.init(host: host, url: request.url.redacted, since: Date(),
                                                      reason: RetryWindow.reason(error), window: nil))
            }
        }
        let owner = RetryWindow.current
        let window = owner ?? RetryWindow(policy)
        var quickFailures = 0
        var firstFailure: Date?
        while true {
            var attempt = request
            if let left = window.remaining {
                // A silent transfer is cut no later than the window's end.
                attempt.stallTimeout = min(attempt.stallTimeout, max(left, 1))
            }
            let watchedSink = sink.map(WatchedSink.init)
            let watchedUpload = uploadObserver.map(WatchedUpload.init)
            let failure: Error
            var retryAfter: String?
            do {
                let response = try await sendOnce(attempt, host: host, sink: watchedSink, uploadObserver: watchedUpload)
                if let owner, RetryPolicy.isRetryable(status: response.status), let value = response.headers["Retry-After"] {
                    // The loop that owns the bytes retries this answer: it waits as the server asked.
                    owner.heard(retryAfter: value)
                }
                guard owner == nil, RetryPolicy.isRetryable(status: response.status),
                      mayResend(request, watchedSink, watchedUpload) else { return response }
                failure = ModelGetError.http(status: response.status, url: response.url.redacted, code: nil, message: nil)
                retryAfter = response.headers["Retry-After"]
            } catch {
                guard RetryPolicy.isRetryable(error), mayResend(request, watchedSink, watchedUpload) else { throw error }
                if !hasAnswered(host) {
                    firstFailure = firstFailure ?? Date()
                    quickFailures += 1
                    guard quickFailures <= policy.quickRetries else {
                        guard policy.window > 0 else { throw error }
                        throw ModelGetError.unreachable(.init(host: host, url: request.url.redacted, since: firstFailure!,
                                                              reason: RetryWindow.reason(error), window: nil))
                    }
                    try await Task.sleep(nanoseconds: UInt64(policy.quickDelay * Double(quickFailures) * 1e9))
                    continue
                }
                failure = error
            }
            let delay = try window.failed(failure, host: host, retryAfter: retryAfter)
            try await Task.sleep(nanoseconds: UInt64(delay * 1e9))
        }
    }

    /// One attempt; notes the host as answering once a status or a byte came back.
    private func sendOnce(_ request: HTTPRequest, host: String, sink: ResponseBodySink?,
                          uploadObserver: UploadProgressObserver?) async throws -> HTTPResponse {
        do {
            let response = try await base.send(request, sink: sink, uploadObserver: uploadObserver)
            markAnswered(host)
            return response
        } catch {
            if (sink as? WatchedSink)?.answered == true { markAnswered(host) }
            throw error
        }
    }

    /// True when sending `request` again cannot duplicate what its owner
    /// already counted or what the server already appended.
    private func mayResend(_ request: HTTPRequest, _ sink: WatchedSink?, _ upload: WatchedUpload?) -> Bool {
        if sink?.tookBytes == true || upload?.sentBytes == true { return false }
        guard request.body != nil else { return true }
        return request.method != .patch && request.method != .post
    }

    private func hasAnswered(_ host: String) -> Bool { answered.withLock { $0.contains(host) } }

    private func markAnswered(_ host: String) {
        _ = answered.withLock { $0.insert(host) }
    }

    static func hostAndPort(_ url: URL) -> String {
        var host = url.host ?? "?"
        if host.contains(":") { host = "[" + host + "]" }
        if let port = url.port { host += ":\(port)" }
        return host
    }
}

/// The caller's sink, noting whether any body byte reached it.
private final class WatchedSink: ResponseBodySink {
    let inner: ResponseBodySink
    private(set) var tookBytes = false
    /// True once a response's status line came back.
    private(set) var answered = false

    init(_ inner: ResponseBodySink) { self.inner = inner }

    func begin(status: Int, headers: HTTPHeaders) throws -> Bool {
        answered = true
        return try inner.begin(status: status, headers: headers)
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws {
        if !bytes.isEmpty { tookBytes = true }
        try inner.write(bytes)
    }

    var delivery: BodyDelivery { inner.delivery }
}

/// The caller's upload observer, noting whether any body byte went out.
private final class WatchedUpload: UploadProgressObserver {
    let inner: UploadProgressObserver
    private(set) var sentBytes = false

    init(_ inner: UploadProgressObserver) { self.inner = inner }

    func didSend(_ byteCount: Int) {
        if byteCount > 0 { sentBytes = true }
        inner.didSend(byteCount)
    }

    var rateLimiter: RateLimiter? { inner.rateLimiter }
}
