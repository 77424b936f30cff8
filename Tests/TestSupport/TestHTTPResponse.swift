import Foundation

/// What a `LoopbackHTTPServer` handler answers. `Content-Length` is added
/// from `body` unless the handler sets it.
public struct TestHTTPResponse: Sendable {
    /// The status code.
    public var status: Int
    /// The header fields.
    public var headers: TestHTTPHeaders
    /// The body; not sent for `HEAD` requests.
    public var body: Data

    /// A response; 200 with no body by default.
    public init(status: Int = 200, headers: TestHTTPHeaders = [:], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A JSON response from an encodable value.
    public static func json<T: Encodable>(_ value: T, status: Int = 200) throws -> TestHTTPResponse {
        TestHTTPResponse(
            status: status, headers: ["Content-Type": "application/json"], body: try JSONEncoder().encode(value))
    }
}
