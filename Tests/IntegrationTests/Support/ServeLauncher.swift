import Foundation
import XCTest

/// `modelget serve` as a child process of a test, on a port it picks
/// itself (`--listen ADDR:0`), read from its listening line.
final class ServeLauncher {
    let process: Process
    /// The port it listens on.
    let port: Int

    /// Starts `modelget serve --listen listen --models models arguments…`.
    convenience init(models: URL, listen: String = "127.0.0.1:0", arguments: [String] = [], environment: [String: String] = [:]) throws {
        try self.init(commandLine: ["serve", "--listen", listen, "--models", models.path] + arguments, environment: environment)
    }

    /// Starts `modelget commandLine…` (which is a `serve`).
    init(commandLine: [String], environment: [String: String] = [:]) throws {
        process = Process()
        process.executableURL = CLIHarness.binary
        process.arguments = commandLine
        if !environment.isEmpty { process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 } }
        let err = Pipe()
        process.standardError = err
        process.standardOutput = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        // "modelget serve: listening on http://127.0.0.1:PORT (models: …)", or http://[::]:PORT.
        var text = ""
        var found: Int?
        let deadline = Date().addingTimeInterval(30)
        while found == nil, Date() < deadline {
            let chunk = err.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
            if let start = text.range(of: "listening on "), let end = text[start.upperBound...].range(of: " (") {
                let url = text[start.upperBound..<end.lowerBound]
                found = url.lastIndex(of: ":").flatMap { Int(url[url.index(after: $0)...]) }
            }
        }
        guard let found else {
            process.terminate()
            process.waitUntilExit()
            throw XCTSkip("serve did not start: \(text)")
        }
        port = found
        // Keep draining its log so it never blocks on a full pipe.
        let reader = err.fileHandleForReading
        Thread.detachNewThread { while !reader.availableData.isEmpty {} }
    }

    deinit { stop() }

    /// `127.0.0.1:PORT`.
    var host: String { "127.0.0.1:\(port)" }

    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}
