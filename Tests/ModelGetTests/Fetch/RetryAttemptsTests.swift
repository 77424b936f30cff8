@testable import ModelGet
import XCTest

/// The one retry loop parts and uploads share: how many failures end a
/// transfer, and how long it waits in between.
final class RetryAttemptsTests: XCTestCase {
    func testFailuresInARowEndTheTransfer() {
        var attempts = RetryAttempts(RetryPolicy(maximumAttempts: 3, baseDelay: 0, maximumDelay: 0))
        XCTAssertNotNil(attempts.failed())
        XCTAssertNotNil(attempts.failed())
        XCTAssertNil(attempts.failed(), "the third failure in a row is the last")
    }

    func testProgressStartsANewRunButFailuresInAllAreBounded() {
        var attempts = RetryAttempts(RetryPolicy(maximumAttempts: 2, baseDelay: 0, maximumDelay: 0))
        var allowed = 0
        while attempts.failed(progressed: true) != nil, allowed < 1000 { allowed += 1 }
        XCTAssertEqual(allowed + 1, 2 * RetryAttempts.maximumAttemptsFactor)
    }

    func testRetryAfterIsTheWaitAndBackoffGrowsWithoutIt() {
        var attempts = RetryAttempts(RetryPolicy(maximumAttempts: 6, baseDelay: 1, maximumDelay: 30))
        XCTAssertEqual(attempts.failed(retryAfter: "7"), 7)
        let second = attempts.failed()
        XCTAssertNotNil(second)
        XCTAssertGreaterThanOrEqual(second!, 1, "the second failure in a row waits at least half of twice the base")
        XCTAssertLessThanOrEqual(second!, 2)
    }
}
