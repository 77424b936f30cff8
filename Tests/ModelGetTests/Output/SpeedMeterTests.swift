import XCTest
@testable import ModelGet

final class SpeedMeterTests: XCTestCase {
    func testBurstyArrivalsShowTheRateThatArrives() {
        // A CDN with capped connections: 8 MB in one tenth of a second,
        // then nothing for nine tenths, every second (80 MB/s on average).
        // A median of 0.1 s samples said 0; the window says what arrived.
        var meter = SpeedMeter(window: 5)
        var bytes: Int64 = 0
        for tick in 0...100 {
            if tick % 10 == 1 { bytes += 8_000_000 }
            meter.record(bytes: bytes, at: Double(tick) / 10)
        }
        let speed = try? XCTUnwrap(meter.bytesPerSecond)
        XCTAssertEqual(speed ?? 0, 8_000_000, accuracy: 8_000_000 * 0.05)
        XCTAssertEqual(meter.eta(remaining: 80_000_000) ?? 0, 10, accuracy: 0.5)
    }

    func testRateChangeShowsWithinOneWindow() {
        var meter = SpeedMeter(window: 3)
        var bytes: Int64 = 0
        for tick in 0..<100 {   // 10 s at 1 MB/s
            bytes += 100_000
            meter.record(bytes: bytes, at: Double(tick) / 10)
        }
        for tick in 100..<140 {   // then 4 s at 5 MB/s
            bytes += 500_000
            meter.record(bytes: bytes, at: Double(tick) / 10)
        }
        XCTAssertEqual(meter.bytesPerSecond ?? 0, 5_000_000, accuracy: 1)
    }

    func testNoSpeedBeforeOneSecondNorWhenStalled() {
        var meter = SpeedMeter()
        meter.record(bytes: 0, at: 0)
        meter.record(bytes: 1_000, at: 0.5)
        XCTAssertNil(meter.bytesPerSecond, "half a second is not a speed yet")
        XCTAssertNil(meter.eta(remaining: 10))
        meter.record(bytes: 1_000, at: 1)
        XCTAssertEqual(meter.bytesPerSecond, 1_000)
        for t in 2...8 { meter.record(bytes: 1_000, at: Double(t)) }
        XCTAssertEqual(meter.bytesPerSecond, 0, "the window holds only the stall")
        XCTAssertNil(meter.eta(remaining: 10))
    }

    func testAResumedCountDoesNotLookLikeSpeed() {
        // Kept bytes are counted before the meter sees the first sample;
        // a count that drops (a blob started over) starts afresh.
        var meter = SpeedMeter()
        meter.record(bytes: 600_000_000, at: 0)
        meter.record(bytes: 601_000_000, at: 1)
        XCTAssertEqual(meter.bytesPerSecond, 1_000_000)
        meter.record(bytes: 10, at: 1.1)
        XCTAssertNil(meter.bytesPerSecond)
    }
}
