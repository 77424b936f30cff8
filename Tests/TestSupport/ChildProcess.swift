import Foundation

/// How the fixtures run the servers they start (nginx, squid): found at
/// its Debian path or on `PATH`, without a terminal, and ended with
/// SIGTERM, then SIGKILL after 5 s.
enum ChildProcess {
    /// Starts `name` (looked for in `/usr/sbin` and `/usr/bin` first) with `arguments`.
    static func launch(_ name: String, _ arguments: [String]) throws -> Process {
        let process = Process()
        let path = ["/usr/sbin/" + name, "/usr/bin/" + name].first { FileManager.default.isExecutableFile(atPath: $0) }
        process.executableURL = try path.map(URL.init(fileURLWithPath:)) ?? Command.locate(name)
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// Polls `ready` every 50 ms until it is true (true), the process
    /// exits or `timeout` passes (false).
    static func wait(for process: Process, timeout: TimeInterval, until ready: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline && process.isRunning {
            if ready() { return true }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return false
    }

    /// Ends `process` and waits for it.
    static func end(_ process: Process) {
        if process.isRunning { process.terminate() }
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// True when something accepts a TCP connection on 127.0.0.1:`port`.
    static func isListening(port: Int) -> Bool {
        guard let socket = try? LoopbackSocket.connect(address: "127.0.0.1", port: port, timeout: 1) else { return false }
        close(socket)
        return true
    }
}
