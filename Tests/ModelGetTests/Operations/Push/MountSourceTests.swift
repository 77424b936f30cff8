@testable import ModelGet
import XCTest

/// The one rule for cross-repository mounts, which push and copy share.
final class MountSourceTests: XCTestCase {
    func testMountsFromAnotherRepositoryOfTheSameRegistryOnly() {
        let options = PushOptions()
        XCTAssertEqual(options.mountSource(sourceRegistry: "r.example", sourceRepository: "a/m",
                                           destinationRegistry: "r.example", destinationRepository: "b/m"), "a/m")
        XCTAssertNil(options.mountSource(sourceRegistry: "r.example", sourceRepository: "a/m",
                                         destinationRegistry: "r.example", destinationRepository: "a/m"))
        XCTAssertNil(options.mountSource(sourceRegistry: "r.example", sourceRepository: "a/m",
                                         destinationRegistry: "other.example", destinationRepository: "b/m"))
    }

    func testAnExplicitSourceWins() {
        var options = PushOptions()
        options.mountFrom = "c/m"
        XCTAssertEqual(options.mountSource(sourceRegistry: "r.example", sourceRepository: "a/m",
                                           destinationRegistry: "other.example", destinationRepository: "b/m"), "c/m")
    }
}
