import Foundation
@testable import ModelGet
import Synchronization
import XCTest

/// `TransferSlots`: at most `count` bodies run at once, a waiter gets the
/// slot a finished body frees, a cancelled waiter takes none, and a body
/// that throws gives its slot back.
final class TransferSlotsTests: XCTestCase {
    /// Counts bodies running at once and the most seen.
    private final class Occupancy: Sendable {
        private let counts = Mutex((now: 0, most: 0, finished: 0))
        func enter() { counts.withLock { $0.now += 1; $0.most = max($0.most, $0.now) } }
        func leave() { counts.withLock { $0.now -= 1; $0.finished += 1 } }
        var now: Int { counts.withLock { $0.now } }
        var most: Int { counts.withLock { $0.most } }
        var finished: Int { counts.withLock { $0.finished } }
    }

    /// A door bodies wait at until the test opens it.
    private final class Gate: Sendable {
        private let state = Mutex((open: false, waiting: [CheckedContinuation<Void, Never>]()))
        func wait() async {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    if state.open { return true }
                    state.waiting.append(continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
        func open() {
            let waiting = state.withLock { state -> [CheckedContinuation<Void, Never>] in
                state.open = true
                defer { state.waiting = [] }
                return state.waiting
            }
            waiting.forEach { $0.resume() }
        }
    }

    /// Polls `condition` for up to 30 s (a loaded machine may be slow to run a task).
    private func eventually(_ condition: () -> Bool) async -> Bool {
        for _ in 0..<3000 {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }

    func testNoMoreThanCountBodiesRunAtOnceAndWaitersFollow() async throws {
        let slots = TransferSlots(3)
        let occupancy = Occupancy()
        let gate = Gate()
        let tasks = (0..<10).map { _ in
            Task {
                try await slots.withSlot {
                    occupancy.enter()
                    await gate.wait()
                    occupancy.leave()
                }
            }
        }
        let threeIn = await eventually { occupancy.now == 3 }
        XCTAssertTrue(threeIn, "three bodies hold the three slots")
        // The other seven wait; none may enter while the three hold their slots.
        try await Task.sleep(for: .milliseconds(200))
        XCTAssertEqual(occupancy.now, 3)
        gate.open()
        for task in tasks { try await task.value }
        XCTAssertEqual(occupancy.finished, 10, "every waiter got a slot in the end")
        XCTAssertEqual(occupancy.most, 3)
    }

    func testACancelledWaiterTakesNoSlot() async throws {
        let slots = TransferSlots(1)
        let gate = Gate()
        let occupancy = Occupancy()
        let holder = Task { try await slots.withSlot { occupancy.enter(); await gate.wait(); occupancy.leave() } }
        let holding = await eventually { occupancy.now == 1 }
        XCTAssertTrue(holding)
        let waiter = Task { try await slots.withSlot { occupancy.enter(); occupancy.leave() } }
        try await Task.sleep(for: .milliseconds(100))
        waiter.cancel()
        do {
            try await waiter.value
            XCTFail("a waiter cancelled before its turn ran its body")
        } catch is CancellationError {}
        gate.open()
        try await holder.value
        // The one slot is free again: a new body runs, and only one at a time.
        let next = Task { try await slots.withSlot { occupancy.enter(); occupancy.leave() } }
        let ran = await eventually { occupancy.finished == 2 }
        next.cancel()
        XCTAssertTrue(ran, "the holder and the new body ran; the cancelled waiter kept no slot")
        XCTAssertEqual(occupancy.finished, 2, "the cancelled waiter never ran")
        XCTAssertEqual(occupancy.most, 1)
    }

    func testABodyThatThrowsGivesItsSlotBack() async throws {
        struct Failure: Error {}
        let slots = TransferSlots(1)
        for _ in 0..<3 {
            do {
                try await slots.withSlot { throw Failure() }
                XCTFail("the body's error was lost")
            } catch is Failure {}
        }
        let occupancy = Occupancy()
        let next = Task { try await slots.withSlot { occupancy.enter(); occupancy.leave() } }
        let ran = await eventually { occupancy.finished == 1 }
        next.cancel()
        XCTAssertTrue(ran, "the slot came back after each failure")
    }

    func testACountBelowOneStillAllowsOneRequest() async throws {
        let slots = TransferSlots(0)
        let ran = try await slots.withSlot { true }
        XCTAssertTrue(ran)
    }
}
