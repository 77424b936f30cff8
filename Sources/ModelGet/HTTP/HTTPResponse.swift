import Foundation

/// An HTTP response. `body` holds the bytes no sink took (error bodies,
/// manifests, token responses), capped by the request's `maximumBodySize`.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: Data
    /// The URL that answered.
    public var url: URL

    public init(status: Int, headers: HTTPHeaders, body: Data, url: URL) {
        self.status = status
        self.headers = headers
        if headers["User-Agent"] == nil { self.headers.set("User-Agent", UserAgent.current) }
        self.body = body
        self.url = url
    }
}
