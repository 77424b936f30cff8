@testable import ModelGet
import XCTest

/// The one retry loop's account: failures are retried while the window
/// lasts, bytes that arrive start it afresh, and the end is one line.
final class RetryWindowTests: XCTestCase {
    private let refused = ModelGetError.network(url: "http://r.test/v2/", reason: "could not connect")

    func testFailuresAreRetriedWhileTheWindowLastsThenEndInOneLine() throws {
        let window = RetryWindow(RetryPolicy(window: 0.2, baseDelay: 0, maximumDelay: 0))
        XCTAssertEqual(try window.failed(refused, host: "r.test"), 0)
        Thread.sleep(forTimeInterval: 0.25)
        XCTAssertThrowsError(try window.failed(refused, host: "r.test")) { error in
            guard case let ModelGetError.unreachable(outage) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(outage.host, "r.test")
            XCTAssertEqual(outage.reason, "could not connect")
            XCTAssertEqual(outage.window, 0.2)
            let line = "\(error)"
            XCTAssertTrue(line.hasPrefix("r.test unreachable since "), line)
            XCTAssertTrue(line.contains("(could not connect)") && line.contains("--retry-window"), line)
            XCTAssertTrue(line.hasSuffix("the partial transfer is kept: run the same command to resume"), line)
        }
    }

    func testBytesThatArriveStartTheWindowAfresh() throws {
        let window = RetryWindow(RetryPolicy(window: 0.2, baseDelay: 0, maximumDelay: 0))
        _ = try window.failed(refused, host: "r.test")
        Thread.sleep(forTimeInterval: 0.25)
        window.progressed()
        XCTAssertNil(window.remaining, "not failing once bytes arrived")
        XCTAssertNoThrow(try window.failed(refused, host: "r.test"))
    }

    func testTheWaitHonoursRetryAfterButNeverEndsPastTheWindow() throws {
        let window = RetryWindow(RetryPolicy(window: 5, baseDelay: 1, maximumDelay: 30))
        XCTAssertEqual(try window.failed(refused, host: "r.test", retryAfter: "2"), 2)
        let capped = try window.failed(refused, host: "r.test", retryAfter: "60")
        XCTAssertLessThanOrEqual(capped, 5, "a Retry-After past the window waits only for its end")
        XCTAssertGreaterThan(capped, 4)
    }

    func testNoWindowMeansTheErrorItself() {
        let window = RetryWindow(.never)
        XCTAssertThrowsError(try window.failed(refused, host: "r.test")) { XCTAssertEqual($0 as? ModelGetError, refused) }
    }

    func testRetryWindowDurationsParse() {
        XCTAssertEqual(RetryPolicy.parseDuration("2m"), 120)
        XCTAssertEqual(RetryPolicy.parseDuration("90s"), 90)
        XCTAssertEqual(RetryPolicy.parseDuration("1h"), 3600)
        XCTAssertEqual(RetryPolicy.parseDuration("1m30s"), 90)
        XCTAssertEqual(RetryPolicy.parseDuration("45"), 45)
        XCTAssertEqual(RetryPolicy.parseDuration("2.5"), 2.5)
        XCTAssertEqual(RetryPolicy.parseDuration("0"), 0)
        for bad in ["", "m", "2x", "-1", "1m30", "two"] { XCTAssertNil(RetryPolicy.parseDuration(bad), bad) }
    }
}
