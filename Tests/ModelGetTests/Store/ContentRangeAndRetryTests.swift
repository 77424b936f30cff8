import XCTest
@testable import ModelGet

final class ContentRangeAndRetryTests: XCTestCase {
    func testContentRange() throws {
        let range = try XCTUnwrap(ContentRange("bytes 100-199/1000"))
        XCTAssertEqual([range.start, range.end, range.total], [100, 199, 1000])
        let unknownTotal = try XCTUnwrap(ContentRange("bytes 0-9/*"))
        XCTAssertEqual([unknownTotal.start, unknownTotal.end, unknownTotal.total], [0, 9, nil])
        XCTAssertNil(ContentRange("bytes 9-0/10"))
        XCTAssertNil(ContentRange("items 0-9/10"))
        XCTAssertNil(ContentRange("0-9"))
        // Found by the content-range fuzz target: an end at or past the total, a garbage total.
        XCTAssertNil(ContentRange("bytes 0-1048575/132108"))
        XCTAssertNil(ContentRange("bytes 0-10/10"))
        XCTAssertNil(ContentRange("bytes 0-9/ten"))
    }

    func testRetryableClassification() {
        XCTAssertTrue(RetryPolicy.isRetryable(ModelGetError.network(url: "u", reason: "reset")))
        for status in [408, 429, 500, 502, 503] {
            XCTAssertTrue(RetryPolicy.isRetryable(ModelGetError.http(status: status, url: "u", code: nil, message: nil)))
        }
        for status in [400, 401, 403, 404] {
            XCTAssertFalse(RetryPolicy.isRetryable(ModelGetError.http(status: status, url: "u", code: nil, message: nil)))
        }
        XCTAssertFalse(RetryPolicy.isRetryable(ModelGetError.digestMismatch(digest: "d", actual: "a")))
    }

    func testBackoffGrowsAndHonoursRetryAfter() {
        let policy = RetryPolicy(baseDelay: 1, maximumDelay: 8)
        XCTAssertLessThanOrEqual(policy.delay(afterAttempt: 1), 1)
        XCTAssertGreaterThanOrEqual(policy.delay(afterAttempt: 3), 2)
        XCTAssertLessThanOrEqual(policy.delay(afterAttempt: 10), 8)
        XCTAssertEqual(policy.delay(afterAttempt: 1, retryAfter: "3"), 3)
        let now = Date(timeIntervalSince1970: 1_000_000)
        XCTAssertEqual(policy.delay(afterAttempt: 1, retryAfter: "Mon, 12 Jan 1970 13:46:45 GMT", now: now), 5)
    }
}
