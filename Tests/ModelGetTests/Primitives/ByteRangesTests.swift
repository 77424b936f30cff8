@testable import ModelGet
import XCTest

final class ByteRangesTests: XCTestCase {
    func testInsertMergesOverlappingAndTouchingRanges() {
        var set = ByteRanges()
        set.insert(10..<20)
        set.insert(30..<40)
        set.insert(20..<25)
        XCTAssertEqual(set.ranges, [10..<25, 30..<40])
        set.insert(5..<35)
        XCTAssertEqual(set.ranges, [5..<40])
        XCTAssertEqual(set.count, 35)
    }

    func testComplementIsWhatIsMissing() {
        let set = ByteRanges([0..<10, 20..<30])
        XCTAssertEqual(set.complement(upTo: 40), [10..<20, 30..<40])
        XCTAssertEqual(ByteRanges().complement(upTo: 5), [0..<5])
        XCTAssertEqual(ByteRanges([0..<5]).complement(upTo: 5), [])
    }

    func testRemoveBelowTrimsTheStart() {
        var set = ByteRanges([0..<10, 20..<30])
        set.removeBelow(25)
        XCTAssertEqual(set.ranges, [25..<30])
    }

    func testPartPlanCutsMissingRangesIntoParts() {
        let plan = PartPlan(threshold: 1, partSize: 4, parallelParts: 2)
        XCTAssertEqual(plan.parts(of: [0..<10, 12..<14]), [0..<4, 4..<8, 8..<10, 12..<14])
    }

    func testPartStateRefusesRangesBeyondTheSize() {
        XCTAssertNil(PartState(size: 10, completed: ByteRanges([0..<5])).with(completed: [[0, 11]]).ranges)
        XCTAssertEqual(PartState(size: 10, completed: ByteRanges([0..<5, 7..<9])).ranges, ByteRanges([0..<5, 7..<9]))
    }
}

private extension PartState {
    func with(completed: [[Int64]]) -> PartState {
        var copy = self
        copy.completed = completed
        return copy
    }
}
