import Foundation
import ModelGet
import TestSupport
import XCTest

/// `modelget push` against Debian's real docker-registry and its bearer
/// token service, through a counting loopback proxy so what went over the
/// wire is counted apart from what `PushResult` reports: a first push
/// sends every blob, a second sends nothing, a push to another repository
/// mounts every blob. The request-by-request rules (order, one token per
/// scope set, refused mounts) are `PushAtTheSeamTests`'; this is the real
/// registry taking them.
final class PushToDockerRegistryTests: XCTestCase {
    private var fixture: PushFixture!

    override func setUpWithError() throws { fixture = try PushFixture() }
    override func tearDownWithError() throws { fixture.remove() }

    func testPushSkipAndMountWithBearerTokens() async throws {
        let tokens = try TokenService(users: ["bob": "s3cret"])
        let environment = ["MODELGET_USERNAME": "bob", "MODELGET_PASSWORD": "s3cret"]
        let origin = try RegistryProcess()
        let model = try fixture.seedModel(into: origin)
        let originRef = try Reference(parsing: "\(origin.host)/library/many:v1")
        let store = fixture.store("models")
        _ = try await ModelPuller(store: store).pull(originRef, client: try fixture.client(origin.host))

        let target = try RegistryProcess(auth: .token(tokens))
        let proxy = try CountingProxy(upstream: target.host)
        let client = try fixture.client(proxy.host, environment: environment)
        let destination = try Reference(parsing: "\(proxy.host)/library/many:v1")
        let blobCount = model.layers.count + 1

        // 1. First push: every blob sent, manifest last, pulled back identical.
        let first = try await ModelPusher(store: store).push(originRef, to: destination, client: client)
        XCTAssertEqual(first.manifestDigest, model.manifestDigest)
        XCTAssertEqual(first.sent, blobCount)
        XCTAssertEqual(first.sentBytes, model.totalSize)
        XCTAssertEqual(first.skipped + first.mounted, 0)
        XCTAssertEqual(proxy.uploadedBodyBytes, Int(model.totalSize), "the proxy saw every blob byte once")
        let manifestPuts = proxy.requests.enumerated().filter { $0.element.method == "PUT" && $0.element.path.contains("/manifests/") }
        XCTAssertEqual(manifestPuts.count, 1)
        XCTAssertEqual(manifestPuts.first?.offset, proxy.requests.count - 1, "the manifest goes last")
        XCTAssertEqual(manifestPuts.first?.element.headers["Content-Type"], model.mediaType)
        XCTAssertEqual(manifestPuts.first?.element.body, model.manifest, "the manifest goes up byte for byte")
        try await fixture.assertPullsBack(model, from: destination, environment: environment)

        // 2. The same push again: everything skipped, nothing sent.
        let before = proxy.requests.count
        let again = try await ModelPusher(store: store).push(originRef, to: destination, client: client)
        XCTAssertEqual(again.skipped, blobCount)
        XCTAssertEqual(again.sent + again.mounted, 0)
        XCTAssertEqual(again.bytesTransferred, 0)
        let secondRun = proxy.requests[before...]
        XCTAssertFalse(secondRun.contains { $0.path.contains("/blobs/uploads/") }, "no upload session was opened")
        XCTAssertEqual(secondRun.filter { $0.method == "HEAD" }.count, blobCount)

        // 3. From a store that pulled it from this registry to another
        // repository of it: every blob mounted from library/many, none sent.
        let pulled = fixture.store("pulled-from-target")
        _ = try await ModelPuller(store: pulled).pull(destination, client: client)
        let copy = try Reference(parsing: "\(proxy.host)/team/copy:v1")
        let mountStart = proxy.requests.count
        let mounted = try await ModelPusher(store: pulled).push(destination, to: copy, client: client)
        XCTAssertEqual(mounted.mounted, blobCount)
        XCTAssertEqual(mounted.mountedBytes, model.totalSize)
        XCTAssertEqual(mounted.sent + mounted.skipped, 0)
        let mountRun = Array(proxy.requests[mountStart...])
        let posts = mountRun.filter { $0.method == "POST" }
        XCTAssertEqual(posts.count, blobCount)
        XCTAssertTrue(posts.allSatisfy { $0.query("from") == ["library/many"] && $0.query("mount").count == 1 })
        XCTAssertEqual(mountRun.filter { $0.method == "PATCH" || ($0.method == "PUT" && $0.path.contains("/blobs/")) }.count, 0,
                       "no blob byte was sent")
        XCTAssertEqual(mountRun.reduce(0) { $0 + $1.body.count }, model.manifest.count, "only the manifest went up")
        try await fixture.assertPullsBack(model, from: copy, environment: environment)
        // The mount needs pull on the source in the same token as push on the destination.
        let scopeSets = tokens.server.requests.map { Set($0.query("scope")) }
        XCTAssertTrue(scopeSets.contains { $0.isSuperset(of: ["repository:team/copy:pull,push", "repository:library/many:pull"]) },
                      "\(scopeSets)")
    }

    func testPushRefusedByTokenServiceGrantingOnlyPullGivesTheRegistryError() async throws {
        let origin = try RegistryProcess()
        let model = try fixture.seedModel(into: origin, count: 3)
        let originRef = try Reference(parsing: "\(origin.host)/library/many:v1")
        let store = fixture.store("models")
        _ = try await ModelPuller(store: store).pull(originRef, client: try fixture.client(origin.host))

        let tokens = try TokenService()
        tokens.grant = { _, scope in scope.actions.filter { $0 == "pull" } }
        let target = try RegistryProcess(auth: .token(tokens))
        let destination = try Reference(parsing: "\(target.host)/library/many:v1")
        do {
            _ = try await ModelPusher(store: store).push(originRef, to: destination, client: try fixture.client(target.host))
            XCTFail("a push with a pull-only token succeeded")
        } catch {
            let message = "\(error)"
            XCTAssertTrue(message.contains("UNAUTHORIZED"), message)
            XCTAssertTrue(message.contains("authentication required"), message)
            XCTAssertFalse(message.contains("\n"))
        }
        let check = try fixture.client(target.host)
        do {
            _ = try await check.fetchManifest(repository: "library/many", reference: "v1")
            XCTFail("the refused push left a tag")
        } catch {
            XCTAssertTrue("\(error)".contains("not found") || "\(error)".contains("MANIFEST_UNKNOWN"), "\(error)")
        }
        _ = model
    }

    func testPushWithWrongPasswordGivesTheRegistryError() async throws {
        let origin = try RegistryProcess()
        _ = try fixture.seedModel(into: origin, count: 3)
        let originRef = try Reference(parsing: "\(origin.host)/library/many:v1")
        let store = fixture.store("models")
        _ = try await ModelPuller(store: store).pull(originRef, client: try fixture.client(origin.host))

        let target = try RegistryProcess(auth: .htpasswd(user: "alice", password: "correct horse"))
        let destination = try Reference(parsing: "\(target.host)/library/many:v1")
        let bad = try fixture.client(target.host, environment: ["MODELGET_USERNAME": "alice", "MODELGET_PASSWORD": "hunter2-wrong"])
        do {
            _ = try await ModelPusher(store: store).push(originRef, to: destination, client: bad)
            XCTFail("a push with a wrong password succeeded")
        } catch {
            let message = "\(error)"
            XCTAssertTrue(message.contains("authentication to \(target.host) failed"), message)
            XCTAssertTrue(message.contains("UNAUTHORIZED"), message)
            XCTAssertFalse(message.contains("hunter2"), message)
        }
        let good = try fixture.client(target.host, environment: ["MODELGET_USERNAME": "alice", "MODELGET_PASSWORD": "correct horse"])
        let result = try await ModelPusher(store: store).push(originRef, to: destination, client: good)
        XCTAssertEqual(result.sent, 4)
    }
}
