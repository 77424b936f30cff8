import XCTest

/// A test case with a store fixture and `modelget serve` started on it
/// before each test, stopped and removed after it.
class ServingTestCase: XCTestCase {
    var fixture: ServeFixture!
    var serve: ServeProcess!

    override func setUpWithError() throws {
        fixture = try ServeFixture()
        serve = try fixture.start()
    }

    override func tearDownWithError() throws {
        serve?.stop()
        fixture?.cleanUp()
    }
}
