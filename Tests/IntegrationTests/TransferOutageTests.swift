import Foundation
import ModelGet
import TestSupport
import XCTest

/// `push`, `copy`, `sync` and `blob` survive a registry that goes away
/// (`OutageTestCase`), as `pull` does (`PullOutageTests`).
final class PushOutageTests: OutageTestCase {
    /// The model is pulled past the relay first; the push goes up through it.
    private let push = Subject(
        arguments: { bench, host in ["push", "\(bench.directHost)/library/outage:v1", "\(host)/team/pushed:v1", "--insecure"] },
        prepare: { bench in
            let pulled = try bench.start(["pull", "\(bench.directHost)/library/outage:v1", "--insecure"]).wait(timeout: 60)
            XCTAssertEqual(pulled.status, 0, pulled.err)
        },
        uploads: true,
        verify: { bench in bench.assertRegistryHoldsTheModel(bench.registry, "team/pushed") })

    func testRestartedInsideTheWindow() throws { try restartedInsideTheWindow(push) }
    func testRestartedInsideTheWindowWithLimitRate() throws { try restartedInsideTheWindow(push, limitRate: Self.limitRate) }
    func testKilledForGood() throws { try killedForGood(push) }
    func testKilledForGoodWithLimitRate() throws { try killedForGood(push, limitRate: Self.limitRate) }
    func testFrozen() throws { try frozen(push) }
    func testFrozenWithLimitRate() throws { try frozen(push, limitRate: Self.limitRate) }
    func testRefusedFromTheStart() throws { try refusedFromTheStart(push) }
    func testRefusedFromTheStartWithLimitRate() throws { try refusedFromTheStart(push, limitRate: Self.limitRate) }
}

final class CopyOutageTests: OutageTestCase {
    /// From the registry through the relay to a second registry.
    private let copy = Subject(
        arguments: { bench, host in ["copy", "\(host)/library/outage:v1", "\(bench.destination!.host)/team/copied:v1", "--insecure"] },
        verify: { bench in bench.assertRegistryHoldsTheModel(bench.destination!, "team/copied") })

    func testRestartedInsideTheWindow() throws { try restartedInsideTheWindow(copy) }
    func testRestartedInsideTheWindowWithLimitRate() throws { try restartedInsideTheWindow(copy, limitRate: Self.limitRate) }
    func testKilledForGood() throws { try killedForGood(copy) }
    func testKilledForGoodWithLimitRate() throws { try killedForGood(copy, limitRate: Self.limitRate) }
    func testFrozen() throws { try frozen(copy) }
    func testFrozenWithLimitRate() throws { try frozen(copy, limitRate: Self.limitRate) }
    func testRefusedFromTheStart() throws { try refusedFromTheStart(copy) }
    func testRefusedFromTheStartWithLimitRate() throws { try refusedFromTheStart(copy, limitRate: Self.limitRate) }
}

final class SyncOutageTests: OutageTestCase {
    /// A list naming the model; sync reports a failed model on stdout.
    private let sync = Subject(
        arguments: { bench, host in
            let list = bench.harness.scratch.appendingPathComponent("models-\(host.replacingOccurrences(of: ":", with: "-")).json")
            try Data("{\"models\": [{\"name\": \"\(host)/library/outage:v1\", \"insecure\": true}]}".utf8).write(to: list)
            return ["sync", list.path]
        },
        verify: { try $0.assertStoreHoldsTheModel() },
        kept: { bench in XCTAssertGreaterThan(bench.partialBytes, 0, "the partial download is kept") },
        failureLine: { ending in
            let failed = ending.out.split(separator: "\n").filter { $0.contains(": FAILED: ") }
            return failed.count == 1 ? failed[0].components(separatedBy: ": FAILED: ").last : nil
        })

    func testRestartedInsideTheWindow() throws { try restartedInsideTheWindow(sync) }
    func testRestartedInsideTheWindowWithLimitRate() throws { try restartedInsideTheWindow(sync, limitRate: Self.limitRate) }
    func testKilledForGood() throws { try killedForGood(sync) }
    func testKilledForGoodWithLimitRate() throws { try killedForGood(sync, limitRate: Self.limitRate) }
    func testFrozen() throws { try frozen(sync) }
    func testFrozenWithLimitRate() throws { try frozen(sync, limitRate: Self.limitRate) }
    func testRefusedFromTheStart() throws { try refusedFromTheStart(sync) }
    func testRefusedFromTheStartWithLimitRate() throws { try refusedFromTheStart(sync, limitRate: Self.limitRate) }
}

final class BlobOutageTests: OutageTestCase {
    /// The weights layer into a file; an interrupted run keeps its download beside it.
    private let blob = Subject(
        arguments: { bench, host in ["blob", "\(host)/library/outage:v1", "-o", bench.harness.scratch.path + "/out/weights.gguf", "--insecure"] },
        prepare: { bench in
            try FileManager.default.createDirectory(at: bench.harness.scratch.appendingPathComponent("out"), withIntermediateDirectories: true)
        },
        verify: { bench in
            let data = try Data(contentsOf: bench.harness.scratch.appendingPathComponent("out/weights.gguf"))
            XCTAssertEqual("sha256:" + SHA256Hasher.hex(of: data), bench.model.layers[0].digest)
        },
        kept: { bench in
            let partial = bench.harness.scratch.path + "/out/.modelget-partial"
            XCTAssertTrue(FileManager.default.fileExists(atPath: partial), "the partial download is kept beside the file")
        })

    func testRestartedInsideTheWindow() throws { try restartedInsideTheWindow(blob) }
    func testRestartedInsideTheWindowWithLimitRate() throws { try restartedInsideTheWindow(blob, limitRate: Self.limitRate) }
    func testKilledForGood() throws { try killedForGood(blob) }
    func testKilledForGoodWithLimitRate() throws { try killedForGood(blob, limitRate: Self.limitRate) }
    func testFrozen() throws { try frozen(blob) }
    func testFrozenWithLimitRate() throws { try frozen(blob, limitRate: Self.limitRate) }
    func testRefusedFromTheStart() throws { try refusedFromTheStart(blob) }
    func testRefusedFromTheStartWithLimitRate() throws { try refusedFromTheStart(blob, limitRate: Self.limitRate) }
}
