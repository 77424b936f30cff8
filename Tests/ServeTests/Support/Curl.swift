import Foundation

/// The `curl` command line as a test's HTTP client: one request, its
/// status, headers (names lower-cased) and body.
struct CurlResult {
    let status: Int
    let headers: [String: String]
    let body: Data

    var text: String { String(decoding: body, as: UTF8.self) }

    /// The `code` of the first entry of a distribution error body.
    var errorCode: String? {
        guard let object = try? JSONSerialization.jsonObject(with: body) as? [String: Any],
              let errors = object["errors"] as? [[String: Any]] else { return nil }
        return errors.first?["code"] as? String
    }
}

enum Curl {
    /// Runs `curl -sS` with `arguments` (URL included); `--path-as-is`
    /// keeps `..` and encoded characters as written.
    static func request(_ arguments: [String]) throws -> CurlResult {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("curl-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let headerFile = scratch.appendingPathComponent("headers"), bodyFile = scratch.appendingPathComponent("body")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        process.arguments = ["-sS", "--path-as-is", "-k", "-D", headerFile.path, "-o", bodyFile.path, "-w", "%{http_code}", "--max-time", "300"]
            + arguments
        let out = Pipe()
        process.standardOutput = out
        process.standardError = FileHandle.nullDevice
        try process.run()
        let status = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        var headers: [String: String] = [:]
        let headerText = (try? String(contentsOf: headerFile, encoding: .utf8)) ?? ""
        // Only the last response's headers (after redirects).
        for line in headerText.components(separatedBy: "\r\n") {
            if line.hasPrefix("HTTP/") { headers = [:]; continue }
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return CurlResult(status: Int(status) ?? 0, headers: headers, body: (try? Data(contentsOf: bodyFile)) ?? Data())
    }

    static func get(_ url: String, _ extra: [String] = []) throws -> CurlResult {
        try request(extra + [url])
    }
}
