import Foundation
import TestSupport
import Synchronization
import XCTest

/// A running `modelget serve --listen 127.0.0.1:0 --models DIR …` (the
/// built binary), its port read from the "listening on" line, its access
/// log collected from stderr. `stop()` sends SIGTERM and waits.
final class ServeProcess: Sendable {
    let port: Int
    let scheme: String
    private let process: Process
    private let log = LogText()

    /// `openFiles`: run under that hard open-file limit (`prlimit`).
    init(models: URL, arguments: [String] = [], scheme: String = "http", openFiles: Int? = nil) throws {
        let process = Process()
        let serve = ["serve", "--listen", "127.0.0.1:0", "--models", models.path] + arguments
        if let openFiles {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/prlimit")
            process.arguments = ["--nofile=\(openFiles):\(openFiles)", Self.binary.path] + serve
        } else {
            process.executableURL = Self.binary
            process.arguments = serve
        }
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        self.process = process
        self.scheme = scheme
        // Read stderr until the listening line, then keep collecting it.
        let reader = err.fileHandleForReading
        var text = ""
        var port: Int?
        let deadline = Date().addingTimeInterval(60)
        while port == nil, Date() < deadline {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
            // "listening on http://127.0.0.1:PORT (…" or, with --json, "url":"http://127.0.0.1:PORT"
            if let range = text.range(of: "\(scheme)://127.0.0.1:") {
                let digits = text[range.upperBound...].prefix { $0.isNumber }
                if let after = text[range.upperBound...].dropFirst(digits.count).first, after == " " || after == "\"" {
                    port = Int(digits)
                }
            }
        }
        guard let port else {
            process.terminate()
            throw NSError(domain: "ServeProcess", code: 1, userInfo: [NSLocalizedDescriptionKey: "serve did not start: \(text)"])
        }
        self.port = port
        log.text.withLock { $0 = text }
        let log = log
        Thread.detachNewThread {
            while true {
                let chunk = reader.availableData
                if chunk.isEmpty { return }
                log.text.withLock { $0 += String(decoding: chunk, as: UTF8.self) }
            }
        }
    }

    deinit { stop() }

    /// `127.0.0.1:PORT`.
    var host: String { "127.0.0.1:\(port)" }
    /// `http://127.0.0.1:PORT`.
    var baseURL: String { "\(scheme)://\(host)" }

    /// Everything serve wrote to stderr so far.
    var stderr: String { log.text.withLock { $0 } }

    /// True once stderr contains `text` (a log line is written when its
    /// response has gone out, which a client may see first); waits at most
    /// 30 seconds.
    func logContains(_ text: String) -> Bool {
        for _ in 0..<600 {
            if stderr.contains(text) { return true }
            usleep(50_000)
        }
        return stderr.contains(text)
    }

    var isRunning: Bool { process.isRunning }

    var pid: Int32 { process.processIdentifier }

    /// SIGTERM, then waits for the exit; returns the exit status.
    @discardableResult
    func stop() -> Int32 {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        return process.terminationStatus
    }

    /// The `modelget` executable next to the test bundle.
    static var binary: URL { BuiltModelget.url }
}

extension ServeProcess {
    /// The process's resident set size (VmRSS), from /proc.
    var residentBytes: Int64? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return nil }
        let digits = line.split(separator: " ").compactMap { Int64($0) }.first
        return digits.map { $0 * 1024 }
    }
}

/// Text collected from a pipe while others read it.
private final class LogText: Sendable {
    let text = Mutex<String>("")
}
