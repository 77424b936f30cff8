import Foundation
import XCTest
@testable import ModelGet

/// When a registry's redirect moves the API host (hf.co → huggingface.co).
final class HostChangeTests: XCTestCase {
    private func redirect(_ location: String) -> HTTPResponse {
        var headers = HTTPHeaders()
        headers.set("Location", location)
        return HTTPResponse(status: 307, headers: headers, body: Data(), url: URL(string: "https://hf.co/")!)
    }

    func testOnlyTheSamePathOnThePartnerOverHTTPSMovesTheAPIHost() throws {
        let client = try RegistryClient(host: "hf.co", insecure: false, credentials: CredentialStore(environment: ["DOCKER_CONFIG": "/none"]))
        let manifest = URL(string: "https://hf.co/v2/u/r/manifests/q4_k_m")!
        XCTAssertNil(client.movedToPartner(redirect("https://evil.example/v2/u/r/manifests/q4_k_m"), from: manifest))
        XCTAssertNil(client.movedToPartner(redirect("http://huggingface.co/v2/u/r/manifests/q4_k_m"), from: manifest))
        XCTAssertNil(client.movedToPartner(redirect("https://huggingface.co/other/path"), from: manifest))
        XCTAssertTrue(client.isRegistryOrigin(manifest), "nothing moved yet")

        let moved = client.movedToPartner(redirect("https://huggingface.co/v2/u/r/manifests/q4_k_m"), from: manifest)
        XCTAssertEqual(moved?.absoluteString, "https://huggingface.co/v2/u/r/manifests/q4_k_m")
        XCTAssertEqual(client.url("u/r", "blobs/x").absoluteString, "https://huggingface.co/v2/u/r/blobs/x")
        XCTAssertFalse(client.isRegistryOrigin(manifest), "credentials no longer go to hf.co")

        // A request that was sent to hf.co before the move follows along.
        let blob = URL(string: "https://hf.co/v2/u/r/blobs/sha256:1")!
        XCTAssertEqual(client.movedToPartner(redirect("https://huggingface.co/v2/u/r/blobs/sha256:1"), from: blob)?.host, "huggingface.co")
        // The CDN redirect that follows does not move anything.
        let onPartner = URL(string: "https://huggingface.co/v2/u/r/blobs/sha256:1")!
        XCTAssertNil(client.movedToPartner(redirect("https://cas-bridge.xethub.hf.co/xet/1?sig=a"), from: onPartner))
        XCTAssertTrue(client.isRegistryOrigin(onPartner))
    }

    func testARegistryWithoutPartnerNeverMoves() throws {
        let client = try RegistryClient(host: "ghcr.io", insecure: false, credentials: CredentialStore(environment: ["DOCKER_CONFIG": "/none"]))
        let url = URL(string: "https://ghcr.io/v2/o/m/manifests/1")!
        XCTAssertNil(client.movedToPartner(redirect("https://pkg-containers.githubusercontent.com/v2/o/m/manifests/1"), from: url))
        XCTAssertTrue(client.isRegistryOrigin(url))
    }
}
