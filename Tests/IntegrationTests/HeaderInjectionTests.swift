import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import ModelGet
import TestSupport
import XCTest

/// A source registry that writes a request into its manifest's
/// `mediaType` (CR LF, then a `DELETE` of another repository's manifest)
/// must not reach the destination, where the user's credentials would
/// carry it: copy, push of a model pulled earlier, and sync's mirror each
/// refuse the manifest in one line, and the destination — a real
/// docker-registry with htpasswd, behind a proxy that records every request
/// it parses — sees exactly the requests modelget meant, and keeps the
/// other repository's manifest.
final class HeaderInjectionTests: XCTestCase {
    private var cli: CLIHarness!
    private var destination: RegistryProcess!
    private var proxy: CountingProxy!
    private var victim: GeneratedModel!
    private var source: HostileRegistry!
    private var evil: (manifest: Data, blobs: [Data])!
    /// The destination's credentials, in a Docker config for its host only.
    private var environment: [String: String]!

    override func setUpWithError() throws {
        cli = try CLIHarness()
        destination = try RegistryProcess(auth: .htpasswd(user: "alice", password: "wonder"))
        victim = try CLIHarness.seed(destination, "team/tiny", sizes: [3_000, 200], seed: 31, in: cli.scratch)
        proxy = try CountingProxy(upstream: destination.host)

        let model = try ModelSeeder.ollamaModel(layerSizes: [5_000], seed: 32, in: cli.scratch.appendingPathComponent("evil"))
        let config = try Data(contentsOf: model.config.path), layer = try Data(contentsOf: model.layers[0].path)
        let smuggled = "\(MediaType.dockerManifest)\r\nContent-Length: 0\r\n\r\n"
            + "DELETE /v2/team/tiny/manifests/\(victim.manifestDigest) HTTP/1.1\r\nHost: \(proxy.host)\r\nX-Pad: "
        let json = String(decoding: try JSONEncoder().encode(smuggled), as: UTF8.self)
        let manifest = Data(("{\"schemaVersion\":2,\"mediaType\":\(json),"
            + "\"config\":{\"mediaType\":\"\(MediaType.dockerConfig)\",\"digest\":\"\(model.config.digest)\",\"size\":\(config.count)},"
            + "\"layers\":[{\"mediaType\":\"\(MediaType.ollamaModel)\",\"digest\":\"\(model.layers[0].digest)\",\"size\":\(layer.count)}]}").utf8)
        evil = (manifest, [config, layer])
        source = try HostileRegistry(manifests: ["library/evil:latest": manifest],
                                     blobs: [model.config.digest: config, model.layers[0].digest: layer])

        let dockerConfig = cli.scratch.appendingPathComponent("docker")
        try FileManager.default.createDirectory(at: dockerConfig, withIntermediateDirectories: true)
        let auth = Data("alice:wonder".utf8).base64EncodedString()
        try Data(#"{"auths": {"\#(proxy.host)": {"auth": "\#(auth)"}}}"#.utf8).write(to: dockerConfig.appendingPathComponent("config.json"))
        environment = ["DOCKER_CONFIG": dockerConfig.path]
    }

    override func tearDownWithError() throws {
        proxy.server.stop()
        destination.stop()
        cli.cleanUp()
    }

    func testCopyFromASourceThatSmugglesARequestSendsNothingToTheDestination() async throws {
        let run = try cli.run(["copy", "http://\(source.host)/library/evil", "http://\(proxy.host)/team/copied", "--insecure"],
                              environment: environment)
        assertRefusedInOneLine(run)
        XCTAssertEqual(proxy.requests.map(\.method), [], "copy reads the source's manifest before it talks to the destination")
        try await assertVictimIntact()
    }

    func testPushOfAStoredManifestThatSmugglesARequestSendsNothingToTheDestination() async throws {
        // As an earlier modelget, or another tool, may have left it in the store.
        try cli.storeByHand("\(source.host)/library/evil/latest", manifest: evil.manifest, blobs: evil.blobs)
        let run = try cli.run(["push", "\(source.host)/library/evil", "http://\(proxy.host)/team/pushed", "--insecure"],
                              environment: environment)
        assertRefusedInOneLine(run)
        XCTAssertEqual(proxy.requests.map(\.method), [])
        try await assertVictimIntact()
    }

    func testSyncWithAMirrorPushesNoSmuggledRequest() async throws {
        let list = cli.scratch.appendingPathComponent("models.json")
        try Data(#"""
            {"models": [{"name": "http://\#(source.host)/library/evil", "insecure": true}],
             "mirror": {"registry": "\#(proxy.host)/copies", "insecure": true}}
            """#.utf8).write(to: list)
        let run = try cli.run(["sync", list.path], environment: environment)
        XCTAssertEqual(run.status, 1, run.err)
        XCTAssertTrue(run.out.text.contains("library/evil:latest: FAILED: invalid manifest: the manifest's mediaType"), run.out.text)
        XCTAssertFalse(run.out.text.contains("DELETE /v2"), "the value is shown escaped, on one line: \(run.out.text)")
        XCTAssertEqual(proxy.requests.map(\.method), [], "nothing reached the mirror")
        try await assertVictimIntact()
    }

    /// A copy that does reach the destination sends only what it meant:
    /// the same model with a clean media type goes through the proxy as
    /// HEADs, uploads and one manifest PUT, and nothing else.
    func testACleanCopyThroughTheSameProxySendsOnlyRegistryRequests() async throws {
        let honest = try HostileRegistry(manifests: ["library/honest:latest": cleanManifest()],
                                         blobs: Dictionary(uniqueKeysWithValues: evil.blobs.map { (HostileRegistry.digest($0), $0) }))
        let run = try cli.run(["copy", "http://\(honest.host)/library/honest", "http://\(proxy.host)/team/honest", "--insecure"],
                              environment: environment)
        XCTAssertEqual(run.status, 0, run.err)
        let methods = Set(proxy.requests.map(\.method))
        XCTAssertTrue(methods.isSubset(of: ["GET", "HEAD", "POST", "PATCH", "PUT"]), "\(methods)")
        XCTAssertFalse(proxy.requests.contains { $0.method == "DELETE" })
        XCTAssertEqual(proxy.requests.filter { $0.method == "PUT" && $0.path.contains("/manifests/") }.count, 1)
        try await assertVictimIntact()
    }

    /// The smuggling manifest with its `mediaType` made honest again.
    private func cleanManifest() throws -> Data {
        var object = try XCTUnwrap(JSONSerialization.jsonObject(with: evil.manifest) as? [String: Any])
        object["mediaType"] = MediaType.dockerManifest
        return try JSONSerialization.data(withJSONObject: object)
    }

    private func assertRefusedInOneLine(_ run: (status: Int32, out: Data, err: String), file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(run.status, 1, run.err, file: file, line: line)
        XCTAssertTrue(run.err.hasPrefix("modelget: invalid manifest: the manifest's mediaType "), run.err, file: file, line: line)
        XCTAssertTrue(run.err.contains("is not a media type"), run.err, file: file, line: line)
        XCTAssertEqual(run.err.filter { $0 == "\n" }.count, 1, "one line: \(run.err)", file: file, line: line)
    }

    /// The other repository's manifest is still served by the destination.
    private func assertVictimIntact(file: StaticString = #filePath, line: UInt = #line) async throws {
        var request = URLRequest(url: URL(string: "http://\(destination.host)/v2/team/tiny/manifests/\(victim.manifestDigest)")!)
        request.setValue(MediaType.dockerManifest, forHTTPHeaderField: "Accept")
        request.setValue("Basic " + Data("alice:wonder".utf8).base64EncodedString(), forHTTPHeaderField: "Authorization")
        let (body, response) = try await URLSession.shared.data(for: request)
        XCTAssertEqual((response as? HTTPURLResponse)?.statusCode, 200, "team/tiny's manifest is gone", file: file, line: line)
        XCTAssertEqual(body, victim.manifest, file: file, line: line)
    }
}
