import XCTest
@testable import ModelGet

final class PartStateTests: XCTestCase {
    private let state = PartState(size: 100, completed: ByteRanges([0..<60, 80..<90]), durable: ByteRanges([0..<20]), bootID: "boot-a")

    func testSameBootTrustsEveryWrittenRange() {
        XCTAssertEqual(state.trusted(currentBootID: "boot-a"), ByteRanges([0..<60, 80..<90]))
    }

    func testAfterARebootOnlyDurableRangesCount() {
        XCTAssertEqual(state.trusted(currentBootID: "boot-b"), ByteRanges([0..<20]))
    }

    func testUnknownBootTrustsOnlyDurableRanges() {
        let unknown = PartState(size: 100, completed: ByteRanges([0..<60]), durable: ByteRanges([0..<10]), bootID: "")
        XCTAssertEqual(unknown.trusted(currentBootID: ""), ByteRanges([0..<10]))
    }

    func testSidecarRoundTripsThroughDisk() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("state-\(UUID()).json").path
        defer { unlink(path) }
        try state.save(to: path, durable: false)
        XCTAssertEqual(PartState.load(path), state)
        XCTAssertFalse(PartState.currentBootID.isEmpty, "Linux names its boot")
    }
}
