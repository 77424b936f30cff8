import Foundation
import ModelGet
import TestSupport
import XCTest

/// The commands that move bytes, as `OutageTestCase` and the interruption
/// tests run them against an `OutageBench`.
extension OutageTestCase.Subject {
    static let pull = Self(
        arguments: { bench, host in ["pull", "\(host)/library/outage:v1", "--insecure"] },
        verify: { try $0.assertStoreHoldsTheModel() },
        kept: { bench in XCTAssertGreaterThan(bench.partialBytes, 0, "the partial download is kept") })

    static let extract = Self(
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

    /// The model is pulled past the relay first; the push goes up through it.
    static let push = Self(
        arguments: { bench, host in ["push", "\(bench.directHost)/library/outage:v1", "\(host)/team/pushed:v1", "--insecure"] },
        prepare: { bench in
            let pulled = try bench.start(["pull", "\(bench.directHost)/library/outage:v1", "--insecure"]).wait(timeout: 60)
            XCTAssertEqual(pulled.status, 0, pulled.err)
        },
        uploads: true,
        verify: { bench in bench.assertRegistryHoldsTheModel(bench.registry, "team/pushed") })

    /// From the registry through the relay to a second registry.
    static let copy = Self(
        arguments: { bench, host in ["copy", "\(host)/library/outage:v1", "\(bench.destination!.host)/team/copied:v1", "--insecure"] },
        verify: { bench in bench.assertRegistryHoldsTheModel(bench.destination!, "team/copied") })

    /// A list naming the model; sync reports a failed model on stdout.
    static let sync = Self(
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

    /// The weights layer into a file; an interrupted run keeps its download beside it.
    static let blob = Self(
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
}
