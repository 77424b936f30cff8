import Foundation
@testable import ModelGet
import Synchronization
import XCTest

/// `PartScheduler`: a big blob's fetch ends the moment its last part is
/// fetched, not when its idle connections or its adaptive count next look.
final class PartSchedulerTests: XCTestCase {
    /// With the adaptive count looking once an hour and most workers idle
    /// (one part at a time to start), the scheduler still returns as soon as
    /// both parts are filled; before, it waited for the count's next look.
    func testTheBlobEndsWithItsLastPartNotAtTheNextLook() async throws {
        let plan = PartPlan(adaptive: true, maximumParts: 4, adaptInterval: 3600)
        let filled = Mutex<Int64>(0)
        let scheduler = PartScheduler(parts: [0..<8 << 20, 8 << 20..<16 << 20], plan: plan, start: (parts: 1, grows: true),
                                      pool: nil, fetched: { filled.withLock { $0 } })
        let run = Task {
            try await scheduler.run { claim in
                let rest = claim.remaining
                let granted = claim.reserve(Int64(rest.count), from: rest.lowerBound)
                filled.withLock { $0 += granted.count }
            }
        }
        let ended = Task {
            try await Task.sleep(for: .seconds(60))
            run.cancel()
        }
        defer { ended.cancel() }
        do {
            try await run.value
        } catch {
            return XCTFail("the fetch did not end with its last part: the test cancelled it after 60 s (\(error))")
        }
        XCTAssertEqual(filled.withLock { $0 }, 16 << 20)
    }
}
