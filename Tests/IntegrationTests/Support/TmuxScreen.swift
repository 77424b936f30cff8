import Foundation
import XCTest

/// A command running in a detached tmux session of a given size, on a
/// tmux server of its own: a real terminal whose screen the test reads
/// (`capture-pane`) and types into (`send-keys`).
final class TmuxScreen {
    let width: Int
    private let socket = "modelget-test-\(UUID().uuidString.prefix(8))"

    /// Starts `arguments` (run by `sh`, then `echo EXIT:<status>`) in a
    /// `width`×`height` terminal, with `environment` added.
    init(width: Int, height: Int = 40, arguments: [String], environment: [String: String] = [:]) throws {
        self.width = width
        let exports = environment.map { "export \($0.key)=\(Self.quoted($0.value)); " }.joined()
        // The shell outlives a Ctrl-C (its trap runs a command, so the program still gets the default action).
        let command = "trap true INT; " + exports + arguments.map(Self.quoted).joined(separator: " ") + "; echo EXIT:$?; sleep 600"
        try startServer(["new-session", "-d", "-s", "t", "-x", "\(width)", "-y", "\(height)", "sh", "-c", command])
    }

    deinit { stop() }

    /// The screen's lines, wrapped lines joined (so a line wider than the
    /// terminal shows as one long line), trailing blank lines dropped.
    func lines() -> [String] {
        let text = (try? tmux(["capture-pane", "-p", "-J", "-t", "t"])) ?? ""
        var lines = text.components(separatedBy: "\n").map { String($0.reversed().drop { $0 == " " }.reversed()) }
        while lines.last?.isEmpty == true { lines.removeLast() }
        return lines
    }

    /// The exit status once the command printed it, else nil.
    var exitStatus: Int32? {
        lines().lazy.compactMap { $0.hasPrefix("EXIT:") ? Int32($0.dropFirst(5)) : nil }.first
    }

    /// True while the terminal's cursor is shown.
    var cursorVisible: Bool {
        (try? tmux(["display-message", "-p", "-t", "t", "#{cursor_flag}"]))?.trimmingCharacters(in: .whitespacesAndNewlines) == "1"
    }

    /// Types `keys` (tmux key names, such as `C-c`).
    func send(_ keys: String) throws {
        try tmux(["send-keys", "-t", "t", keys])
    }

    /// Reads the screen every 50 ms until `condition` holds (returning
    /// those lines) or `timeout` passes (nil); `each` sees every reading.
    func waitFor(timeout: TimeInterval, each: ([String]) -> Void = { _ in }, _ condition: ([String]) -> Bool) -> [String]? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            let screen = lines()
            each(screen)
            if condition(screen) { return screen }
            Thread.sleep(forTimeInterval: 0.05)
        }
        return nil
    }

    func stop() {
        _ = try? tmux(["kill-server"], capture: false)
    }

    /// Runs the tmux command that starts the server, by `posix_spawn` with
    /// every descriptor above stderr closed: the server lives on, and with
    /// `Process` it would keep the descriptor by which Foundation learns
    /// that its child ended, so waiting for the client would never end.
    private func startServer(_ arguments: [String]) throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd in Int32(0)...2 { posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0) }
        let open = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
        for fd in open.compactMap(Int32.init) where fd > 2 { posix_spawn_file_actions_addclose(&actions, fd) }
        let argv = (["tmux", "-L", socket, "-f", "/dev/null"] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid = pid_t()
        guard posix_spawn(&pid, "/usr/bin/tmux", &actions, nil, argv, environ) == 0 else {
            throw NSError(domain: "tmux", code: Int(errno), userInfo: [NSLocalizedDescriptionKey: "cannot start tmux"])
        }
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }

    /// Runs a tmux command on this screen's server; its output when `capture`.
    @discardableResult
    private func tmux(_ arguments: [String], capture: Bool = true) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/tmux")
        process.arguments = ["-L", socket, "-f", "/dev/null"] + arguments
        let out = Pipe()
        process.standardOutput = capture ? out : FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = capture ? out.fileHandleForReading.readDataToEndOfFile() : Data()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    private static func quoted(_ text: String) -> String {
        "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
