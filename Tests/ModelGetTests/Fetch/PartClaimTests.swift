@testable import ModelGet
import XCTest

/// Work stealing's bookkeeping: what one connection writes and what
/// another takes never overlap, and nothing is lost between them.
final class PartClaimTests: XCTestCase {
    func testSplitGivesTheUpperHalfOfWhatIsLeftAndStopsTheOwnerThere() {
        let claim = PartClaim(0..<1000)
        XCTAssertEqual(claim.reserve(100).count, 100)
        XCTAssertEqual(claim.split(minimum: 100), 550..<1000)
        XCTAssertEqual(claim.remaining, 100..<550)
        XCTAssertTrue(claim.wasShortened)
        let (offset, count) = claim.reserve(1000)
        XCTAssertEqual(offset, 100)
        XCTAssertEqual(count, 450, "the owner writes up to the split, not past it")
        XCTAssertTrue(claim.isDone)
        XCTAssertEqual(claim.reserve(10).count, 0)
    }

    func testNoSplitWhenEitherHalfWouldBeSmallerThanTheMinimum() {
        let claim = PartClaim(0..<300)
        XCTAssertNil(claim.split(minimum: 200))
        XCTAssertFalse(claim.wasShortened)
    }

    func testTakingTheRestCancelsTheOwnerAndLeavesItNothing() {
        let claim = PartClaim(0..<1000)
        let cancelled = ManagedAtomicFlag()
        claim.setCancel { cancelled.set() }
        _ = claim.reserve(10)
        XCTAssertEqual(claim.takeRest(), 10..<1000)
        XCTAssertTrue(cancelled.isSet)
        XCTAssertTrue(claim.isDone)
        XCTAssertNil(claim.takeRest())
    }

    func testRestartCoversTheWholeBlob() {
        let claim = PartClaim(500..<600)
        claim.restart(0..<600)
        XCTAssertEqual(claim.remaining, 0..<600)
    }

    func testFetchBudgetIsAFewTimesTheSizeAndNeverOverflows() {
        let budget = FetchBudget(size: 1000)
        XCTAssertTrue(budget.spend(4000))
        XCTAssertTrue(budget.spend(1 << 20))
        XCTAssertFalse(budget.spend(1))
        XCTAssertEqual(FetchBudget(size: .max).limit, .max)
    }

    func testRatesParseLikeCurls() {
        XCTAssertEqual(RateLimiter.parseRate("50M"), 50 << 20)
        XCTAssertEqual(RateLimiter.parseRate("800k"), 800 << 10)
        XCTAssertEqual(RateLimiter.parseRate("1.5G"), 3 << 29)
        XCTAssertEqual(RateLimiter.parseRate("4096"), 4096)
        for bad in ["", "0", "-5M", "M", "fast", "1e30G"] {
            XCTAssertNil(RateLimiter.parseRate(bad), bad)
        }
    }
}
