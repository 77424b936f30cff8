import XCTest
@testable import ModelGet

final class PushDestinationTests: XCTestCase {
    private let source = try! Reference(parsing: "127.0.0.1:5000/library/tiny:v1")

    func testNoDestinationIsTheSource() throws {
        XCTAssertEqual(try PushDestination.resolve(nil, source: source), source)
    }

    func testFullReference() throws {
        XCTAssertEqual(try PushDestination.resolve("reg.example/team/tiny:v2", source: source).description, "reg.example/team/tiny:v2")
    }

    func testReferenceWithoutTagKeepsTheSourceTag() throws {
        XCTAssertEqual(try PushDestination.resolve("reg.example/team/tiny", source: source).description, "reg.example/team/tiny:v1")
    }

    func testRegistryOnlyKeepsRepositoryAndTag() throws {
        XCTAssertEqual(try PushDestination.resolve("127.0.0.1:6000", source: source).description, "127.0.0.1:6000/library/tiny:v1")
        XCTAssertEqual(try PushDestination.resolve("localhost:6000", source: source).description, "localhost:6000/library/tiny:v1")
        XCTAssertEqual(try PushDestination.resolve("reg.example/", source: source).description, "reg.example/library/tiny:v1")
    }

    func testShortNameWithTagIsAName() throws {
        XCTAssertEqual(try PushDestination.resolve("tiny:v9", source: source).description, "registry.ollama.ai/library/tiny:v9")
    }
}
