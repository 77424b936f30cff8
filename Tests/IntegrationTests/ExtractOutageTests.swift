import Foundation
import TestSupport
import XCTest

/// `modelget extract` survives a registry that goes away (`OutageTestCase`):
/// its layer stream continues where it stopped, and giving up leaves no
/// half-unpacked tree.
final class ExtractOutageTests: OutageTestCase {
    private let extract = Subject(
        arguments: { bench, host in ["extract", "\(host)/library/outage:v1", bench.harness.scratch.path + "/rootfs", "--insecure"] },
        verify: { bench in
            let noise = bench.harness.scratch.appendingPathComponent("rootfs/noise")
            XCTAssertEqual(try FileManager.default.attributesOfItem(atPath: noise.path)[.size] as? Int, Int(OutageBench.noiseSize))
        },
        kept: { bench in
            let left = try FileManager.default.contentsOfDirectory(atPath: bench.harness.scratch.path).filter { $0.contains("modelget-extract") }
            XCTAssertEqual(left, [], "no half-unpacked tree is left")
        },
        image: true,
        keepsPartial: false)

    func testRestartedInsideTheWindow() throws { try restartedInsideTheWindow(extract) }
    func testRestartedInsideTheWindowWithLimitRate() throws { try restartedInsideTheWindow(extract, limitRate: Self.limitRate) }
    func testKilledForGood() throws { try killedForGood(extract) }
    func testKilledForGoodWithLimitRate() throws { try killedForGood(extract, limitRate: Self.limitRate) }
    func testFrozen() throws { try frozen(extract) }
    func testFrozenWithLimitRate() throws { try frozen(extract, limitRate: Self.limitRate) }
    func testRefusedFromTheStart() throws { try refusedFromTheStart(extract) }
    func testRefusedFromTheStartWithLimitRate() throws { try refusedFromTheStart(extract, limitRate: Self.limitRate) }
}
