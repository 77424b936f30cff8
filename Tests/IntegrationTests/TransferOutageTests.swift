import Foundation
import ModelGet
import TestSupport
import XCTest

/// `push`, `copy`, `sync` and `blob` survive a registry that goes away
/// (`OutageTestCase`), as `pull` does (`PullOutageTests`).
final class PushOutageTests: OutageTestCase {
    func testRestartedInsideTheWindow() throws { try restartedInsideTheWindow(.push) }
    func testRestartedInsideTheWindowWithLimitRate() throws { try restartedInsideTheWindow(.push, limitRate: Self.limitRate) }
    func testKilledForGood() throws { try killedForGood(.push) }
    func testKilledForGoodWithLimitRate() throws { try killedForGood(.push, limitRate: Self.limitRate) }
    func testFrozen() throws { try frozen(.push) }
    func testFrozenWithLimitRate() throws { try frozen(.push, limitRate: Self.limitRate) }
    func testRefusedFromTheStart() throws { try refusedFromTheStart(.push) }
    func testRefusedFromTheStartWithLimitRate() throws { try refusedFromTheStart(.push, limitRate: Self.limitRate) }
}

final class CopyOutageTests: OutageTestCase {
    func testRestartedInsideTheWindow() throws { try restartedInsideTheWindow(.copy) }
    func testRestartedInsideTheWindowWithLimitRate() throws { try restartedInsideTheWindow(.copy, limitRate: Self.limitRate) }
    func testKilledForGood() throws { try killedForGood(.copy) }
    func testKilledForGoodWithLimitRate() throws { try killedForGood(.copy, limitRate: Self.limitRate) }
    func testFrozen() throws { try frozen(.copy) }
    func testFrozenWithLimitRate() throws { try frozen(.copy, limitRate: Self.limitRate) }
    func testRefusedFromTheStart() throws { try refusedFromTheStart(.copy) }
    func testRefusedFromTheStartWithLimitRate() throws { try refusedFromTheStart(.copy, limitRate: Self.limitRate) }
}

final class SyncOutageTests: OutageTestCase {
    func testRestartedInsideTheWindow() throws { try restartedInsideTheWindow(.sync) }
    func testRestartedInsideTheWindowWithLimitRate() throws { try restartedInsideTheWindow(.sync, limitRate: Self.limitRate) }
    func testKilledForGood() throws { try killedForGood(.sync) }
    func testKilledForGoodWithLimitRate() throws { try killedForGood(.sync, limitRate: Self.limitRate) }
    func testFrozen() throws { try frozen(.sync) }
    func testFrozenWithLimitRate() throws { try frozen(.sync, limitRate: Self.limitRate) }
    func testRefusedFromTheStart() throws { try refusedFromTheStart(.sync) }
    func testRefusedFromTheStartWithLimitRate() throws { try refusedFromTheStart(.sync, limitRate: Self.limitRate) }
}

final class BlobOutageTests: OutageTestCase {
    func testRestartedInsideTheWindow() throws { try restartedInsideTheWindow(.blob) }
    func testRestartedInsideTheWindowWithLimitRate() throws { try restartedInsideTheWindow(.blob, limitRate: Self.limitRate) }
    func testKilledForGood() throws { try killedForGood(.blob) }
    func testKilledForGoodWithLimitRate() throws { try killedForGood(.blob, limitRate: Self.limitRate) }
    func testFrozen() throws { try frozen(.blob) }
    func testFrozenWithLimitRate() throws { try frozen(.blob, limitRate: Self.limitRate) }
    func testRefusedFromTheStart() throws { try refusedFromTheStart(.blob) }
    func testRefusedFromTheStartWithLimitRate() throws { try refusedFromTheStart(.blob, limitRate: Self.limitRate) }
}
