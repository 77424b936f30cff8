import Foundation

/// A request head as the fault proxy reads it (bodies are not supported:
/// a pull sends only GETs), and the response-head helpers it needs.
struct ProxyRequest {
    let method: String
    let target: String
    let headers: TestHTTPHeaders

    var path: String { String(target.prefix { $0 != "?" }) }

    /// Reads one request head from `descriptor`.
    static func read(from descriptor: Int32) throws -> ProxyRequest {
        let (head, _) = try readHead(from: descriptor)
        var lines = String(decoding: head, as: UTF8.self).components(separatedBy: "\r\n")
        let first = lines.removeFirst().split(separator: " ")
        guard first.count == 3 else { throw TestSupportError.invalidArgument("request line") }
        var headers = TestHTTPHeaders()
        for line in lines where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers.add(String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        return ProxyRequest(method: String(first[0]), target: String(first[1]), headers: headers)
    }

    /// Reads up to and including the blank line; returns the head and any body bytes read past it.
    static func readHead(from descriptor: Int32) throws -> (head: Data, rest: Data) {
        var buffer = Data()
        let separator = Data("\r\n\r\n".utf8)
        while true {
            if let end = buffer.range(of: separator) {
                return (Data(buffer[..<end.upperBound]), Data(buffer[end.upperBound...]))
            }
            let chunk = try LoopbackSocket.receive(from: descriptor)
            guard !chunk.isEmpty, buffer.count < 64 << 10 else { throw TestSupportError.invalidArgument("head") }
            buffer.append(chunk)
            // A TLS hello (a client trying HTTPS first): refused at once, as a plain-HTTP server does.
            if buffer.first == 0x16 { throw TestSupportError.invalidArgument("TLS on a plain-HTTP port") }
        }
    }

    /// The head to send upstream: `Connection: close`, optionally without `Range`, with `authorization` when given.
    func upstreamHead(dropRange: Bool, authorization: String?) -> Data {
        var text = "\(method) \(target) HTTP/1.1\r\n"
        for field in headers {
            let name = field.name.lowercased()
            if name == "connection" || (dropRange && name == "range") { continue }
            if authorization != nil && name == "authorization" { continue }
            text += "\(field.name): \(field.value)\r\n"
        }
        if let authorization { text += "Authorization: \(authorization)\r\n" }
        text += "Connection: close\r\n\r\n"
        return Data(text.utf8)
    }

    /// A distribution-style error response.
    static func errorResponse(_ status: Int, code: String, message: String, retryAfter: String?) -> String {
        let body = #"{"errors":[{"code":"\#(code)","message":"\#(message)"}]}"#
        var head = "HTTP/1.1 \(status) Injected\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\nConnection: close\r\n"
        if let retryAfter { head += "Retry-After: \(retryAfter)\r\n" }
        return head + "\r\n" + body
    }
}
