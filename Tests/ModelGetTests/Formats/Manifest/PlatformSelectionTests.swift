@testable import ModelGet
import XCTest

/// Choosing an image from an index by `--platform`.
final class PlatformSelectionTests: XCTestCase {
    private func entry(_ platform: Platform?, _ n: Int) throws -> Descriptor {
        Descriptor(mediaType: MediaType.ociManifest, digest: try Digest(hex: String(repeating: String(n), count: 64)), size: 100,
                   platform: platform)
    }

    func testExactVariantWinsAndAMissingVariantMatches() throws {
        let index = ImageIndex(schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [
            try entry(Platform(os: "linux", architecture: "arm", variant: "v6"), 1),
            try entry(Platform(os: "linux", architecture: "arm", variant: "v7"), 2),
            try entry(Platform(os: "linux", architecture: "amd64"), 3),
            try entry(Platform(os: "unknown", architecture: "unknown"), 4),
        ])
        XCTAssertEqual(try index.entry(for: Platform(parsing: "linux/arm/v7")).digest, index.manifests[1].digest)
        XCTAssertEqual(try index.entry(for: Platform(parsing: "linux/arm")).digest, index.manifests[0].digest)
        XCTAssertEqual(try index.entry(for: Platform(parsing: "linux/x86_64")).digest, index.manifests[2].digest)
        XCTAssertThrowsError(try index.entry(for: Platform(parsing: "linux/arm64"))) {
            XCTAssertEqual("\($0)", "no manifest for platform linux/arm64; available: linux/arm/v6, linux/arm/v7, linux/amd64")
        }
    }

    func testAnOnlyEntryWithoutPlatformIsTaken() throws {
        let index = ImageIndex(schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [try entry(nil, 5)])
        XCTAssertEqual(try index.entry(for: Platform(parsing: "windows/amd64")).digest, index.manifests[0].digest)
    }
}
