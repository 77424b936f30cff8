@testable import ModelGetServe
import XCTest

/// `serve --auth`'s limit on failed logins per client address, with the
/// clock given (no sleeping).
final class FailedLoginLimitTests: XCTestCase {
    func testTenFailuresWithinAMinuteBlockThatAddressUntilTheOldestIsAMinuteOld() {
        let limit = FailedLoginLimit()
        let start = ContinuousClock.now
        for second in 0..<FailedLoginLimit.maximumFailures {
            XCTAssertNil(limit.retryAfter("10.0.0.1", now: start + .seconds(second)))
            limit.recordFailure("10.0.0.1", now: start + .seconds(second))
        }
        XCTAssertEqual(limit.retryAfter("10.0.0.1", now: start + .seconds(10)), 50)
        XCTAssertNil(limit.retryAfter("10.0.0.2", now: start + .seconds(10)), "another address is not blocked")
        XCTAssertEqual(limit.retryAfter("10.0.0.1", now: start + .seconds(59)), 1)
        XCTAssertNil(limit.retryAfter("10.0.0.1", now: start + .seconds(61)), "the oldest failure left the window")
        limit.recordFailure("10.0.0.1", now: start + .seconds(61))
        XCTAssertNil(limit.retryAfter("10.0.0.1", now: start + .seconds(61)), "nine failures in the window now")
    }

    func testSpreadOutFailuresNeverBlock() {
        let limit = FailedLoginLimit()
        let start = ContinuousClock.now
        for minute in 0..<30 {
            limit.recordFailure("10.0.0.1", now: start + .seconds(minute * 7))
            XCTAssertNil(limit.retryAfter("10.0.0.1", now: start + .seconds(minute * 7)))
        }
    }

    func testTheTableOfAddressesIsBounded() {
        let limit = FailedLoginLimit()
        let start = ContinuousClock.now
        for client in 0..<(FailedLoginLimit.maximumClients + 50) {
            for _ in 0..<FailedLoginLimit.maximumFailures { limit.recordFailure("client-\(client)", now: start + .milliseconds(client)) }
        }
        XCTAssertLessThanOrEqual(limit.trackedClients, FailedLoginLimit.maximumClients)
        XCTAssertNotNil(limit.retryAfter("client-\(FailedLoginLimit.maximumClients + 49)", now: start + .seconds(5)), "the newest is kept")
        XCTAssertNil(limit.retryAfter("client-0", now: start + .seconds(5)), "the quietest was forgotten")
    }
}
