import Foundation
import XCTest

/// `make install` as a user runs it, into a temporary PREFIX: the binary
/// runs, `man -l` renders each command's page (with its EXAMPLES), and the
/// bash completion loads. The build and the man pages come from `make test`
/// (`make man CONFIGURATION=debug` before the tests: a build inside the
/// tests would wait for the lock `swift test` holds on .build).
final class InstallTests: XCTestCase {
    private let package = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardizedFileURL

    private func run(_ tool: String, _ arguments: [String], in directory: URL? = nil,
                     environment: [String: String] = [:]) throws -> (status: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = directory }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let output = out.fileHandleForReading.readDataToEndOfFile(), errors = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self), String(decoding: errors, as: UTF8.self))
    }

    func testMakeInstallIntoAPrefixGivesManPagesAndCompletions() throws {
        let prefix = FileManager.default.temporaryDirectory.appendingPathComponent("modelget-prefix-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: prefix) }
        let install = try run("/usr/bin/make", ["-s", "install-files", "CONFIGURATION=debug", "PREFIX=\(prefix.path)"], in: package)
        XCTAssertEqual(install.status, 0, "run make man CONFIGURATION=debug first (make test does): \(install.err)")

        let version = try run(prefix.path + "/bin/modelget", ["--version"])
        XCTAssertEqual(version.status, 0)
        XCTAssertFalse(version.out.isEmpty)

        let pages = prefix.appendingPathComponent("share/man/man1")
        for page in ["modelget.1", "modelget.pull.1", "modelget.login.1", "modelget.tags.1"] {
            let shown = try run("/usr/bin/man", ["-l", pages.appendingPathComponent(page).path], environment: ["MANWIDTH": "80", "MANPAGER": "cat", "PAGER": "cat"])
            XCTAssertEqual(shown.status, 0, "\(page): \(shown.err)")
            XCTAssertTrue(shown.out.contains("SYNOPSIS"), "\(page): \(shown.out)")
        }
        let pull = try run("/usr/bin/man", ["-l", pages.appendingPathComponent("modelget.pull.1").path], environment: ["MANWIDTH": "80", "MANPAGER": "cat"])
        for text in ["EXAMPLES:", "modelget pull llama3.2:1b", "--limit-rate", "--stall-timeout seconds"] {
            XCTAssertTrue(pull.out.contains(text), "\(text) in the pull page")
        }

        let bash = prefix.appendingPathComponent("share/bash-completion/completions/modelget")
        let loaded = try run("/bin/bash", ["-c", "source \(bash.path) && complete -p modelget"])
        XCTAssertEqual(loaded.status, 0, loaded.err)
        XCTAssertTrue(loaded.out.contains("modelget"), loaded.out)
        // The completion offers the commands.
        let offered = try run("/bin/bash", ["-c", "source \(bash.path); COMP_WORDS=(modelget pu); COMP_CWORD=1; COMP_LINE='modelget pu'; COMP_POINT=11; "
                                            + "$(complete -p modelget | sed -E 's/.*-F ([^ ]+).*/\\1/') modelget pu modelget; printf '%s\\n' \"${COMPREPLY[@]}\""])
        XCTAssertTrue(offered.out.split(separator: "\n").contains("pull"), offered.out + offered.err)
        for file in ["share/zsh/site-functions/_modelget", "share/fish/vendor_completions.d/modelget.fish"] {
            let text = try String(contentsOf: prefix.appendingPathComponent(file), encoding: .utf8)
            XCTAssertTrue(text.contains("modelget") && text.contains("pull"), file)
        }
    }
}
