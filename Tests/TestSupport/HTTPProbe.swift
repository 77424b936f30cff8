import Foundation

/// A one-shot plain HTTP GET over a raw socket, for readiness checks that
/// must not depend on the HTTP stack under test.
public enum HTTPProbe {
    /// The status code `METHOD path` gets from `127.0.0.1:port`, or nil if
    /// nothing answered.
    public static func status(port: Int, path: String, method: String = "GET", timeout: TimeInterval = 1) -> Int? {
        guard let descriptor = try? LoopbackSocket.connect(address: "127.0.0.1", port: port, timeout: timeout) else {
            return nil
        }
        defer { close(descriptor) }
        let request = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nConnection: close\r\n\r\n"
        guard (try? LoopbackSocket.sendAll(Data(request.utf8), to: descriptor)) != nil,
              let reply = try? LoopbackSocket.receive(from: descriptor, limit: 512)
        else { return nil }
        // "HTTP/1.1 200 OK": the code is the second word of the first line.
        let statusLine = String(decoding: reply.prefix { $0 != 0x0D }, as: UTF8.self)
        let words = statusLine.split(separator: " ")
        return words.count >= 2 ? Int(words[1]) : nil
    }
}
