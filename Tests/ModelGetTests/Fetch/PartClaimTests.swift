@testable import ModelGet
import XCTest

/// Work stealing's bookkeeping: what one connection writes and what
/// another takes never overlap, and nothing is lost between them.
final class PartClaimTests: XCTestCase {
    func testSplitGivesTheUpperHalfOfWhatIsLeftAndStopsTheOwnerThere() {
        let claim = PartClaim(0..<1000)
        XCTAssertEqual(claim.reserve(100, from: 0).count, 100)
        XCTAssertEqual(claim.split(minimum: 100), 550..<1000)
        XCTAssertEqual(claim.remaining, 100..<550)
        XCTAssertTrue(claim.wasShortened)
        let (offset, count, skip) = claim.reserve(1000, from: 100)
        XCTAssertEqual(offset, 100)
        XCTAssertEqual(count, 450, "the owner writes up to the split, not past it")
        XCTAssertEqual(skip, 0)
        XCTAssertTrue(claim.isDone)
        XCTAssertEqual(claim.reserve(10, from: 1100).count, 0)
    }

    func testNoSplitWhenEitherHalfWouldBeSmallerThanTheMinimum() {
        let claim = PartClaim(0..<300)
        XCTAssertNil(claim.split(minimum: 200))
        XCTAssertFalse(claim.wasShortened)
    }

    func testAHedgedClaimTakesEachByteOnceFromWhicheverCopyHasItFirst() {
        let claim = PartClaim(0..<1000)
        XCTAssertEqual(claim.reserve(100, from: 0).count, 100, "the first request, slow")
        XCTAssertTrue(claim.hedge())
        XCTAssertFalse(claim.hedge(), "one hedge per claim")
        // The hedge starts where the claim stood and overtakes.
        let fast = claim.reserve(500, from: 100)
        XCTAssertEqual([fast.offset, fast.count, fast.skip], [100, 500, 0])
        // The slow copy's next bytes were written already: dropped.
        let slow = claim.reserve(50, from: 100)
        XCTAssertEqual([slow.count, slow.skip], [0, 50])
        // Partly new: only the new part is written.
        let straddling = claim.reserve(100, from: 550)
        XCTAssertEqual([straddling.offset, straddling.count, straddling.skip], [600, 50, 50])
        XCTAssertEqual(claim.reserve(1000, from: 650).count, 350)
        XCTAssertTrue(claim.isDone)
    }

    func testTheRequestThatFillsAHedgedClaimCancelsTheOther() {
        let claim = PartClaim(0..<1000)
        let slow = ManagedAtomicFlag(), fast = ManagedAtomicFlag()
        let first = claim.addRunner { slow.set() }
        let second = claim.addRunner { fast.set() }
        claim.cancelRunners(except: second)
        XCTAssertTrue(slow.isSet)
        XCTAssertFalse(fast.isSet)
        XCTAssertEqual(claim.removeRunner(first), 1)
        XCTAssertEqual(claim.removeRunner(second), 0)
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
