import Foundation
import TestSupport
import XCTest

/// `modelget extract` survives a registry that goes away (`OutageTestCase`):
/// its layer stream continues where it stopped, and giving up leaves no
/// half-unpacked tree.
final class ExtractOutageTests: OutageTestCase {
    func testRestartedInsideTheWindow() throws { try restartedInsideTheWindow(.extract) }
    func testRestartedInsideTheWindowWithLimitRate() throws { try restartedInsideTheWindow(.extract, limitRate: Self.limitRate) }
    func testKilledForGood() throws { try killedForGood(.extract) }
    func testKilledForGoodWithLimitRate() throws { try killedForGood(.extract, limitRate: Self.limitRate) }
    func testFrozen() throws { try frozen(.extract) }
    func testFrozenWithLimitRate() throws { try frozen(.extract, limitRate: Self.limitRate) }
    func testRefusedFromTheStart() throws { try refusedFromTheStart(.extract) }
    func testRefusedFromTheStartWithLimitRate() throws { try refusedFromTheStart(.extract, limitRate: Self.limitRate) }
}
