import Foundation

/// One request a `LoopbackHTTPServer` received.
public struct TestHTTPRequest: Sendable {
    /// `GET`, `HEAD`, `PUT`, …
    public let method: String
    /// The request target as sent: path and query.
    public let target: String
    /// The header fields.
    public let headers: TestHTTPHeaders
    /// The body (`Content-Length` bytes; empty without one).
    public let body: Data

    /// The target without its query.
    public var path: String {
        String(target.prefix { $0 != "?" })
    }

    /// The decoded query items, repeated names kept in order.
    public var queryItems: [URLQueryItem] {
        URLComponents(string: target)?.queryItems ?? []
    }

    /// The same request with another target (a front rewriting paths on the way).
    public func retargeted(_ target: String) -> TestHTTPRequest {
        TestHTTPRequest(method: method, target: target, headers: headers, body: body)
    }

    /// The values of every query item called `name`.
    public func query(_ name: String) -> [String] {
        queryItems.filter { $0.name == name }.compactMap(\.value)
    }
}
