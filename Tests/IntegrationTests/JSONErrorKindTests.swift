import Foundation
import TestSupport
import XCTest

/// Every class of failure, provoked for real (a real docker-registry, a
/// FaultProxy, a loopback registry serving garbage, a full tmpfs, Ctrl-C),
/// ends a `--json` run with `{"event":"error","kind":…,"message":…}` on
/// stdout and one line on stderr.
final class JSONErrorKindTests: XCTestCase {
    private var cli: CLIHarness!
    private var registry: RegistryProcess!

    override func setUpWithError() throws {
        cli = try CLIHarness()
        registry = try RegistryProcess()
        _ = try CLIHarness.seed(registry, "team/tiny", tag: "v1", sizes: [300_000, 300], seed: 61, in: cli.scratch)
    }

    override func tearDown() {
        registry.stop()
        cli.cleanUp()
    }

    /// The error object of a failed `--json` run (the last line of stdout).
    private func errorObject(_ run: (status: Int32, out: Data, err: String), file: StaticString = #filePath, line: UInt = #line) -> [String: String] {
        let last = run.out.text.split(separator: "\n").last.map(String.init) ?? ""
        let object = (try? JSONSerialization.jsonObject(with: Data(last.utf8))) as? [String: String] ?? [:]
        XCTAssertEqual(object["event"], "error", "\(run.out.text)\n\(run.err)", file: file, line: line)
        XCTAssertEqual(run.err.split(separator: "\n").filter { $0.hasPrefix("modelget: ") }.count, 1, run.err, file: file, line: line)
        return object
    }

    private func assertKind(_ kind: String, _ arguments: [String], status: Int32 = 1, environment: [String: String] = [:],
                            file: StaticString = #filePath, line: UInt = #line) throws {
        let run = try cli.run(arguments + ["--json"], environment: environment)
        XCTAssertEqual(run.status, status, run.err, file: file, line: line)
        let object = errorObject(run, file: file, line: line)
        XCTAssertEqual(object["kind"], kind, "\(arguments): \(object)", file: file, line: line)
        XCTAssertFalse(object["message"]?.isEmpty ?? true, file: file, line: line)
    }

    func testEachErrorClassHasItsKind() throws {
        // The kind "usage" (exit 2) is checked in-process for every usage error: Tests/ModelGetCLITests/UsageErrorTests.
        try assertKind("not_found", ["pull", "\(registry.host)/team/tiny:nope", "--insecure"])
        try assertKind("not_found", ["show", "\(registry.host)/team/absent:v1"])
        try assertKind("network", ["pull", "127.0.0.1:1/team/tiny:v1", "--insecure"])

        let guarded = try RegistryProcess(auth: .htpasswd(user: "alice", password: "pw"))
        defer { guarded.stop() }
        try assertKind("unauthorized", ["pull", "\(guarded.host)/team/tiny:v1", "--insecure"],
                       environment: ["DOCKER_CONFIG": cli.scratch.path + "/none", "HOME": cli.scratch.path, "REGISTRY_AUTH_FILE": ""])

        var faults = FaultProxy.Faults()
        faults.flipByteAt = 1000
        let flipping = try FaultProxy(upstreamPort: registry.port, faults: faults)
        defer { flipping.stop() }
        try assertKind("integrity", ["pull", "http://\(flipping.host)/team/tiny:v1", "--insecure"])

        let garbage = try HostileRegistry(manifests: ["team/garbage:v1": Data("{\"schemaVersion\": 2, \"layers\": 7}".utf8)])
        try assertKind("invalid_data", ["pull", "http://\(garbage.host)/team/garbage:v1", "--insecure"])
    }

    func testAFullDiskIsNoSpace() throws {
        guard getuid() == 0 else { throw XCTSkip("mounting a tmpfs needs root") }
        // The models directory itself becomes a 128 KiB file system: a 300 KB blob cannot fit.
        let small = cli.models
        let mount = Process()
        mount.executableURL = URL(fileURLWithPath: "/bin/mount")
        mount.arguments = ["-t", "tmpfs", "-o", "size=128k", "tmpfs", small.path]
        try mount.run()
        mount.waitUntilExit()
        guard mount.terminationStatus == 0 else { throw XCTSkip("cannot mount a tmpfs here") }
        defer {
            let umount = Process()
            umount.executableURL = URL(fileURLWithPath: "/bin/umount")
            umount.arguments = [small.path]
            try? umount.run()
            umount.waitUntilExit()
        }
        let run = try cli.run(["pull", "\(registry.host)/team/tiny:v1", "--insecure", "--json"])
        XCTAssertEqual(run.status, 1, run.err)
        XCTAssertEqual(errorObject(run)["kind"], "no_space")
    }

    func testCtrlCIsInterrupted() throws {
        var faults = FaultProxy.Faults()
        faults.bytesPerSecond = 50_000
        let slow = try FaultProxy(upstreamPort: registry.port, faults: faults)
        defer { slow.stop() }
        let (process, out, err) = try cli.start(["pull", "http://\(slow.host)/team/tiny:v1", "--insecure", "--json"])
        // Interrupted once bytes move: the first progress object.
        var seen = Data()
        let reader = out.fileHandleForReading
        while !seen.text.contains("\"event\":\"progress\"") {
            let chunk = reader.availableData
            if chunk.isEmpty { break }
            seen += chunk
        }
        kill(process.processIdentifier, SIGINT)
        seen += reader.readDataToEndOfFile()
        let errors = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 130, errors)
        XCTAssertEqual(errorObject((process.terminationStatus, seen, errors))["kind"], "interrupted")
        let first = try XCTUnwrap(seen.text.split(separator: "\n").first)
        XCTAssertFalse(first.contains("\"total_bytes\":0"), "no progress object before the manifest is known: \(first)")
        XCTAssertTrue(first.contains("\"phase\":\"transferring\""), String(first))
    }
}
