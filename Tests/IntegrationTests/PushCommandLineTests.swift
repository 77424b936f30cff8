import Foundation
import ModelGet
import TestSupport
import XCTest

/// The `modelget push` and `copy` commands as a user runs them: the built
/// binary as a child process against real docker-registries.
final class PushCommandLineTests: XCTestCase {
    private var fixture: PushFixture!

    override func setUpWithError() throws { fixture = try PushFixture() }
    override func tearDownWithError() throws { fixture.remove() }

    private func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, out: String, err: String) {
        let process = Process()
        process.executableURL = BuiltModelget.url
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env["DOCKER_CONFIG"] = fixture.work.appendingPathComponent("no-docker-config").path
        env["MODELGET_USERNAME"] = nil
        env["MODELGET_PASSWORD"] = nil
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }

    func testPushJSONAndCopyAndRefusal() throws {
        let origin = try RegistryProcess()
        let model = try fixture.seedModel(into: origin, count: 6)
        let target = try RegistryProcess()
        let models = fixture.work.appendingPathComponent("models").path
        let source = "\(origin.host)/library/many:v1"
        XCTAssertEqual(try run(["pull", "--insecure", "--models", models, source]).status, 0)

        let pushed = try run(["push", "--insecure", "--models", models, "--json", source, target.host])
        XCTAssertEqual(pushed.status, 0, pushed.err)
        let lines = pushed.out.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "one JSON object: \(pushed.out)")
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any])
        XCTAssertEqual(object["reference"] as? String, "\(target.host)/library/many:v1")
        XCTAssertEqual(object["digest"] as? String, model.manifestDigest)
        XCTAssertEqual(object["sent"] as? Int, 7)
        XCTAssertEqual((object["sent_bytes"] as? NSNumber)?.int64Value, model.totalSize)
        XCTAssertEqual(object["skipped"] as? Int, 0)

        let again = try run(["push", "--insecure", "--models", models, source, target.host])
        XCTAssertEqual(again.status, 0, again.err)
        XCTAssertTrue(again.out.contains("skipped 7"), again.out)
        XCTAssertTrue(again.out.contains("sent 0 (0 B)"), again.out)

        let copied = try run(["copy", "--insecure", "--models", models, "--json", "\(target.host)/library/many:v1", "\(target.host)/team/many"])
        XCTAssertEqual(copied.status, 0, copied.err)
        XCTAssertTrue(copied.out.contains(#""mounted":7"#), copied.out)

        let locked = try RegistryProcess(auth: .htpasswd(user: "alice", password: "correct horse"))
        let refused = try run(["push", "--insecure", "--models", models, source, locked.host],
                              environment: ["MODELGET_USERNAME": "alice", "MODELGET_PASSWORD": "wrong"])
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.err.hasPrefix("modelget: authentication to \(locked.host) failed"), refused.err)
        XCTAssertTrue(refused.err.contains("UNAUTHORIZED"), refused.err)
        XCTAssertEqual(refused.err.split(separator: "\n").count, 1, refused.err)
    }
}
