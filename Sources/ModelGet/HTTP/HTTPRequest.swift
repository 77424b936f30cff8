import Foundation

/// An HTTP request as the registry client describes it to a transport.
public struct HTTPRequest: Sendable {
    /// The request method.
    public enum Method: String, Sendable {
        case get = "GET", head = "HEAD", put = "PUT", post = "POST", patch = "PATCH", delete = "DELETE"
    }

    /// Where the request body comes from; a reader body is read as it is
    /// sent (and again from `offset` when a retry resends it).
    public enum Body: Sendable {
        case data(Data)
        /// `length` bytes from `offset` of something the caller opened (a
        /// `StoredBlob`) and keeps open until the request has returned.
        case reader(any RandomAccessReader, offset: Int64, length: Int64)

        /// The number of bytes the body sends.
        public var length: Int64 {
            switch self {
            case let .data(data): return Int64(data.count)
            case let .reader(_, _, length): return length
            }
        }
    }

    public var method: Method
    public var url: URL
    /// The header fields; `User-Agent` is `UserAgent.current` unless given.
    public var headers: HTTPHeaders
    public var body: Body?
    /// `Range: bytes=lower-upper` (upper nil: to the end).
    public var range: (lower: Int64, upper: Int64?)?
    /// Skip TLS certificate verification (for `--insecure` registries).
    public var skipTLSVerification: Bool
    /// Cut the transfer when no byte moves for this long.
    public var stallTimeout: TimeInterval
    /// 30 seconds without a byte: every request's, every registry client's
    /// and every operation's default (`TransferOptions` names this one).
    public static let defaultStallTimeout: TimeInterval = 30
    /// The most bytes of a response body kept in memory when no sink takes it.
    public var maximumBodySize: Int
    /// What the response body is ("manifest", "token response"): the error
    /// for a body over `maximumBodySize` names it.
    public var bodyDescription = "response body"
    /// Give up connecting (TCP, proxy and TLS handshakes) after this long.
    /// A registry mirror gets less, so a dead one soon hands over to the next source.
    public var connectTimeout: TimeInterval = HTTPRequest.defaultConnectTimeout

    /// 30 seconds to connect.
    public static let defaultConnectTimeout: TimeInterval = 30
    /// False for a probe that must be asked once (`RetryingHTTPClient`
    /// then sends it as it is): `connect` learning whether HTTPS answers.
    public var mayRetry = true

    public init(
        method: Method = .get, url: URL, headers: HTTPHeaders = HTTPHeaders(), body: Body? = nil,
        range: (lower: Int64, upper: Int64?)? = nil, skipTLSVerification: Bool = false,
        stallTimeout: TimeInterval = HTTPRequest.defaultStallTimeout, maximumBodySize: Int = 4 << 20
    ) {
        self.method = method
        self.url = url
        self.headers = headers
        if headers["User-Agent"] == nil { self.headers.set("User-Agent", UserAgent.current) }
        self.body = body
        self.range = range
        self.skipTLSVerification = skipTLSVerification
        self.stallTimeout = stallTimeout
        self.maximumBodySize = maximumBodySize
    }
}
