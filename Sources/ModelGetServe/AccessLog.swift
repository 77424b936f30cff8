import Foundation
import Synchronization

/// One line per answered request on stderr: method, path, status, body
/// bytes, milliseconds, client; as text or (`--json`) one JSON object.
final class AccessLog: Sendable {
    private let json: Bool
    private let lock = Mutex(())

    init(json: Bool) { self.json = json }

    struct Entry: Encodable {
        let time: String
        let method: String
        let path: String
        let status: Int
        let bytes: Int64
        let ms: Int
        let client: String
    }

    func record(_ entry: Entry) {
        var line: String
        if json {
            line = (try? String(decoding: JSONEncoder().encode(entry), as: UTF8.self)) ?? ""
        } else {
            line = "\(entry.time) \(entry.client) \(entry.method) \(entry.path) \(entry.status) \(entry.bytes) \(entry.ms)ms"
        }
        line += "\n"
        lock.withLock { _ in FileHandle.standardError.write(Data(line.utf8)) }
    }

    /// A line about a failure inside serve (not a request's outcome).
    func error(_ message: String) {
        let line: String
        if json {
            line = (try? String(decoding: JSONEncoder().encode(["time": Self.timestamp(), "error": message]), as: UTF8.self)) ?? ""
        } else {
            line = "\(Self.timestamp()) error: \(message)"
        }
        lock.withLock { _ in FileHandle.standardError.write(Data((line + "\n").utf8)) }
    }

    static func timestamp() -> String {
        Date().formatted(.iso8601)
    }
}
