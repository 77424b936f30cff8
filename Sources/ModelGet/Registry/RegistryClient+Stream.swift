import Foundation

/// A sink that takes one blob as a single sequential stream over as many
/// responses as it takes: after a cut, the next response is a 206 from
/// `delivered` on, or a 200 whose first `delivered` bytes it drops.
package protocol ResumableSink: ResponseBodySink {
    /// Bytes handed on so far, over every response.
    var delivered: Int64 { get }
    /// True once the consumer stopped reading: no response is asked for again.
    var consumerGone: Bool { get }
    /// The blob's size once a response told it (nil: not known).
    var knownSize: Int64? { get }
}

extension ResumableSink {
    package var knownSize: Int64? { nil }
}

/// The one loop that streams a blob into a `ResumableSink` over as many
/// responses as it takes: a transfer cut short (a retryable error)
/// continues from the bytes already delivered within `retry`'s window,
/// which bytes that arrive start afresh. `fetch` asks for a range (nil:
/// the whole blob) from wherever the bytes come from (a registry, or a
/// blob's sources with their mirrors); `host` names it for the give-up line.
package enum ResumableStream {
    package static func run(into sink: ResumableSink, size: Int64?, retry: RetryPolicy, host: () -> String,
                           fetch: (Range<Int64>?) async throws -> HTTPResponse) async throws {
        let window = RetryWindow(retry)
        while true {
            let from = sink.delivered
            let size = size ?? sink.knownSize
            var host = host()
            var retryAfter: String?
            do {
                let range = from == 0 ? nil : from..<(size ?? Int64.max)
                let response = try await RetryWindow.$current.withValue(window) { try await fetch(range) }
                host = RetryingHTTPClient.hostAndPort(response.url)
                retryAfter = response.headers["Retry-After"]
                guard response.status == 200 || response.status == 206 else { throw RegistryErrorBody.error(for: response, url: response.url) }
                // A stream of unknown size ends with its response.
                guard let size, sink.delivered < size else { return }
                throw ModelGetError.network(url: response.url.redacted, reason: "connection closed before the whole blob arrived")
            } catch {
                guard !sink.consumerGone, RetryPolicy.isRetryable(error) else { throw error }
                if sink.delivered > from { window.progressed() }
                try await Task.sleep(nanoseconds: UInt64(try window.failed(error, host: host, retryAfter: retryAfter) * 1e9))
            }
        }
    }
}

extension RegistryClient {
    /// Streams `digest`'s blob (`size` bytes when known) from this registry
    /// into `sink` (`ResumableStream`). serve's pull-through goes through it.
    package func streamBlob(repository: String, digest: Digest, size: Int64?, into sink: ResumableSink,
                           retry: RetryPolicy) async throws {
        try await ResumableStream.run(into: sink, size: size, retry: retry, host: { self.host }) { range in
            try await fetchBlobRange(repository: repository, digest: digest, range: range, sink: sink)
        }
    }
}
