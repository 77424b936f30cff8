import Foundation

/// One accepted connection of a `LoopbackHTTPServer`: reads HTTP/1.1
/// requests, asks the handler, writes responses, and keeps the connection
/// alive until either side says `Connection: close` or the peer goes away.
/// A TLS hello gets a 400 and the connection closed at once, as a real
/// plain-HTTP server answers it, so a client that tries HTTPS first (an
/// `--insecure` registry named without a scheme) falls back without waiting.
///
/// All request parsing and response framing lives here, so a proxy or
/// fault-injecting variant changes one place.
struct HTTPConnection {
    /// Largest request head (request line plus headers) accepted.
    static let maximumHeadSize = 64 << 10

    let descriptor: Int32
    private var pending = Data()

    init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    /// Serves requests until the connection ends. `record` sees each
    /// request before `respond` answers it.
    mutating func serve(record: (TestHTTPRequest) -> Void, respond: (TestHTTPRequest) -> TestHTTPResponse) {
        while true {
            let request: TestHTTPRequest
            do {
                guard let next = try readRequest() else { return }
                request = next
            } catch {
                try? send(TestHTTPResponse(status: 400), method: "GET", keepAlive: false)
                return
            }
            record(request)
            let keepAlive = Self.wantsKeepAlive(request)
            do {
                try send(respond(request), method: request.method, keepAlive: keepAlive)
            } catch {
                return
            }
            if !keepAlive { return }
        }
    }

    /// The next request, or nil if the peer closed between requests.
    private mutating func readRequest() throws -> TestHTTPRequest? {
        let separator = Data("\r\n\r\n".utf8)
        var headEnd = pending.range(of: separator)
        while headEnd == nil {
            guard pending.count <= Self.maximumHeadSize else { throw TestSupportError.invalidArgument("request head too large") }
            let chunk = try LoopbackSocket.receive(from: descriptor)
            if chunk.isEmpty {
                if pending.isEmpty { return nil }
                throw TestSupportError.invalidArgument("connection closed inside a request head")
            }
            pending.append(chunk)
            // A TLS hello (a client trying HTTPS first): refused at once, as a plain-HTTP server does,
            // instead of waiting for a request head that never comes.
            if pending.first == 0x16 { throw TestSupportError.invalidArgument("TLS on a plain-HTTP port") }
            headEnd = pending.range(of: separator)
        }
        guard let headEnd else { return nil }
        let head = String(decoding: pending[pending.startIndex..<headEnd.lowerBound], as: UTF8.self)
        pending = Data(pending[headEnd.upperBound...])

        var lines = head.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ", omittingEmptySubsequences: true)
        guard requestLine.count == 3, requestLine[2].hasPrefix("HTTP/1.") else {
            throw TestSupportError.invalidArgument("request line")
        }
        var headers = TestHTTPHeaders()
        for line in lines {
            guard let colon = line.firstIndex(of: ":") else { throw TestSupportError.invalidArgument("header line") }
            headers.add(String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        if headers["Transfer-Encoding"] != nil {
            throw TestSupportError.invalidArgument("chunked request bodies are not supported")
        }
        let length = try headers["Content-Length"].map { text in
            guard let length = Int(text), length >= 0 else { throw TestSupportError.invalidArgument("Content-Length") }
            return length
        } ?? 0
        while pending.count < length {
            let chunk = try LoopbackSocket.receive(from: descriptor)
            if chunk.isEmpty { throw TestSupportError.invalidArgument("connection closed inside a body") }
            pending.append(chunk)
        }
        let body = Data(pending.prefix(length))
        pending = Data(pending.dropFirst(length))
        if requestLine[2] == "HTTP/1.0", headers["Connection"]?.lowercased() != "keep-alive" {
            headers.add("Connection", "close")
        }
        return TestHTTPRequest(method: String(requestLine[0]), target: String(requestLine[1]), headers: headers, body: body)
    }

    /// Writes `response`; the body is left out for `HEAD`.
    private func send(_ response: TestHTTPResponse, method: String, keepAlive: Bool) throws {
        var head = "HTTP/1.1 \(response.status) \(Self.reason(response.status))\r\n"
        for field in response.headers {
            head += "\(field.name): \(field.value)\r\n"
        }
        if response.headers["Content-Length"] == nil {
            head += "Content-Length: \(response.body.count)\r\n"
        }
        if !keepAlive {
            head += "Connection: close\r\n"
        }
        head += "\r\n"
        var bytes = Data(head.utf8)
        if method != "HEAD" {
            bytes.append(response.body)
        }
        try LoopbackSocket.sendAll(bytes, to: descriptor)
    }

    private static func wantsKeepAlive(_ request: TestHTTPRequest) -> Bool {
        request.headers.values("Connection").allSatisfy { $0.lowercased() != "close" }
    }

    private static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 201: "Created"
        case 202: "Accepted"
        case 204: "No Content"
        case 206: "Partial Content"
        case 301: "Moved Permanently"
        case 302: "Found"
        case 307: "Temporary Redirect"
        case 400: "Bad Request"
        case 401: "Unauthorized"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 416: "Range Not Satisfiable"
        case 429: "Too Many Requests"
        case 500: "Internal Server Error"
        case 503: "Service Unavailable"
        default: "Status \(status)"
        }
    }
}
