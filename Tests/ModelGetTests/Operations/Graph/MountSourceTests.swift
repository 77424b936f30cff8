@testable import ModelGet
import XCTest

/// The one rule for cross-repository mounts, which every graph copy follows.
final class MountSourceTests: XCTestCase {
    private func ref(_ text: String) throws -> Reference { try Reference(parsing: text) }

    func testMountsFromAnotherRepositoryOfTheSameRegistryOnly() throws {
        XCTAssertEqual(GraphCopy.mountSource(explicit: nil, source: try ref("r.example/a/m:1"), destination: try ref("r.example/b/m:1")), "a/m")
        XCTAssertNil(GraphCopy.mountSource(explicit: nil, source: try ref("r.example/a/m:1"), destination: try ref("r.example/a/m:2")))
        XCTAssertNil(GraphCopy.mountSource(explicit: nil, source: try ref("r.example/a/m:1"), destination: try ref("other.example/b/m:1")))
    }

    func testAnExplicitSourceWinsUnlessItIsTheDestinationItself() throws {
        XCTAssertEqual(GraphCopy.mountSource(explicit: "c/m", source: try ref("r.example/a/m:1"), destination: try ref("other.example/b/m:1")), "c/m")
        XCTAssertNil(GraphCopy.mountSource(explicit: "b/m", source: try ref("r.example/a/m:1"), destination: try ref("r.example/b/m:1")))
    }
}
