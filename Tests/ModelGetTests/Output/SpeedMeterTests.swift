import XCTest
@testable import ModelGet

final class SpeedMeterTests: XCTestCase {
    func testMedianIgnoresABurst() {
        var meter = SpeedMeter(window: 100)
        // 100 B/s steadily, then one interval of 10,000 B/s.
        let counts: [Int64] = [0, 100, 200, 300, 10_300, 10_400]
        for (i, c) in counts.enumerated() { meter.record(bytes: c, at: Double(i)) }
        XCTAssertEqual(meter.bytesPerSecond, 100)
        XCTAssertEqual(meter.eta(remaining: 1000), 10)
    }

    func testMedianOfEvenCount() {
        XCTAssertEqual(SpeedMeter.median([1, 3, 5, 7]), 4)
        XCTAssertEqual(SpeedMeter.median([9, 1, 5]), 5)
    }

    func testNeedsTwoSamplesAndForgetsOldOnes() {
        var meter = SpeedMeter(window: 5)
        meter.record(bytes: 0, at: 0)
        XCTAssertNil(meter.bytesPerSecond)
        XCTAssertNil(meter.eta(remaining: 10))
        meter.record(bytes: 1_000_000, at: 1)   // fast at first
        for t in 2...12 { meter.record(bytes: 1_000_000 + Int64(t - 1) * 10, at: Double(t)) }
        XCTAssertEqual(meter.bytesPerSecond, 10, "samples older than the window no longer count")
    }

    func testStalledTransferHasNoETA() {
        var meter = SpeedMeter()
        meter.record(bytes: 50, at: 0)
        meter.record(bytes: 50, at: 1)
        meter.record(bytes: 50, at: 2)
        XCTAssertEqual(meter.bytesPerSecond, 0)
        XCTAssertNil(meter.eta(remaining: 10))
    }

    func testProgressLine() {
        let line = ProgressFormat.line(label: "pulling tiny:latest", completed: 1_200_000_000, total: 2_650_000_000,
                                       blobsDone: 12, blobs: 40, bytesPerSecond: 85_300_000, eta: 17, width: 120)
        XCTAssertEqual(line, "pulling tiny:latest  45%  1.20 GB/2.65 GB  12/40 blobs  85.3 MB/s  ETA 17s")
        let narrow = ProgressFormat.line(label: "pulling tiny:latest", completed: 1, total: 2, blobsDone: 0, blobs: 1,
                                         bytesPerSecond: nil, eta: nil, width: 20)
        XCTAssertLessThan(narrow.count, 20)
        XCTAssertEqual(ProgressFormat.duration(3725), "1h02m")
        XCTAssertEqual(ProgressFormat.bytes(999), "999 B")
    }
}
