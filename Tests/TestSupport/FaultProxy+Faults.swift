import Foundation

extension FaultProxy {
    /// What the proxy does wrong. Faults apply to blob GETs only
    /// (`/v2/…/blobs/…`); "the first K" counts blob GETs from the start.
    public struct Faults: Sendable {
        /// Close the connection after this many body bytes, for the first `cutResponses` blob responses.
        public var cutAfterBytes: Int64?
        public var cutResponses = 1
        /// Send nothing for `stallSeconds` after this many body bytes, for the first `stallResponses`.
        public var stallAfterBytes: Int64?
        public var stallSeconds: TimeInterval = 0
        public var stallResponses = 1
        /// Answer these statuses, in order, to the first blob GETs (with a registry error body).
        public var failStatuses: [Int] = []
        /// Sent with every injected failure when set.
        public var retryAfter: String?
        /// Flip the body byte at this offset, for the first `flipResponses` blob responses.
        public var flipByteAt: Int64?
        public var flipResponses = Int.max
        /// Drop the `Range` header, so the registry sends the whole blob (200).
        public var ignoreRange = false
        /// Answer blob GETs with 307 to the same path on the CDN listener (`127.0.0.2`).
        public var redirectBlobsToCDN = false
        /// CDN requests (counted from 1) answered 403, as an expired signed URL.
        public var cdnForbiddenRequests: Set<Int> = []
        /// `Authorization` the CDN side uses itself towards the registry.
        public var cdnUpstreamAuthorization: String?
        /// Limit the body bytes sent per second on each connection.
        public var bytesPerSecond: Int64?
        /// Send the response to a `Range` request starting at this offset
        /// at `slowBytesPerSecond` (one crawling connection among fast ones).
        public var slowRangeStart: Int64?
        public var slowBytesPerSecond: Int64 = 1024

        public init() {}
    }
}
