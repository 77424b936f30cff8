import Foundation
import TestSupport
import XCTest

/// `modelget pull` survives a registry that goes away (`OutageTestCase`).
final class PullOutageTests: OutageTestCase {
    private let pull = Subject(
        arguments: { bench, host in ["pull", "\(host)/library/outage:v1", "--insecure"] },
        verify: { try $0.assertStoreHoldsTheModel() },
        kept: { bench in XCTAssertGreaterThan(bench.partialBytes, 0, "the partial download is kept") })

    func testRestartedInsideTheWindow() throws { try restartedInsideTheWindow(pull) }
    func testRestartedInsideTheWindowWithLimitRate() throws { try restartedInsideTheWindow(pull, limitRate: Self.limitRate) }
    func testKilledForGood() throws { try killedForGood(pull) }
    func testKilledForGoodWithLimitRate() throws { try killedForGood(pull, limitRate: Self.limitRate) }
    func testFrozen() throws { try frozen(pull) }
    func testFrozenWithLimitRate() throws { try frozen(pull, limitRate: Self.limitRate) }
    func testRefusedFromTheStart() throws { try refusedFromTheStart(pull) }
    func testRefusedFromTheStartWithLimitRate() throws { try refusedFromTheStart(pull, limitRate: Self.limitRate) }
}
