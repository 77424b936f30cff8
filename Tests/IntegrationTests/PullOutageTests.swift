import Foundation
import TestSupport
import XCTest

/// `modelget pull` survives a registry that goes away (`OutageTestCase`).
final class PullOutageTests: OutageTestCase {
    func testRestartedInsideTheWindow() throws { try restartedInsideTheWindow(.pull) }
    func testRestartedInsideTheWindowWithLimitRate() throws { try restartedInsideTheWindow(.pull, limitRate: Self.limitRate) }
    func testKilledForGood() throws { try killedForGood(.pull) }
    func testKilledForGoodWithLimitRate() throws { try killedForGood(.pull, limitRate: Self.limitRate) }
    func testFrozen() throws { try frozen(.pull) }
    func testFrozenWithLimitRate() throws { try frozen(.pull, limitRate: Self.limitRate) }
    func testRefusedFromTheStart() throws { try refusedFromTheStart(.pull) }
    func testRefusedFromTheStartWithLimitRate() throws { try refusedFromTheStart(.pull, limitRate: Self.limitRate) }
}
