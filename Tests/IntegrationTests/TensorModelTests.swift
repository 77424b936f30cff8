import Foundation
import ModelGet
import TestSupport
import XCTest

/// Image-generation tensor models (ollama's `x/flux2-klein`: one
/// safetensors blob per tensor, json layers, ConfigV2) against a real
/// docker-registry: pulled through an ollama-style 307 CDN redirect, shown
/// from their headers, kept by the store commands, and written as a
/// diffusers folder the Python `safetensors` package reads back.
final class TensorModelTests: XCTestCase {
    static let repository = "x/flux2-klein"

    /// 1,000 tensor layers from 200 B to 256 KiB and one 96 MiB tensor
    /// (fetched as ranged parts): the many-blob and the big-blob paths in
    /// one model, about 130 MB.
    static func makeModel(in directory: URL) throws -> GeneratedTensorModel {
        try TensorModelSeeder.model(tensorLayers: 1_000, minBytes: 200, maxBytes: 256 << 10, bigTensorBytes: 96 << 20,
                                    seed: 14, in: directory.appendingPathComponent("tensor-seed"))
    }

    func testPulledThroughTheCDNRedirectAndShownFromItsHeaders() throws {
        let registry = try RegistryProcess()
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        let tensors = try Self.makeModel(in: cli.scratch)
        let model = tensors.model
        XCTAssertGreaterThanOrEqual(model.layers.count, 1_000)
        try ModelSeeder.write(model, to: registry.storageRoot, repository: Self.repository, tag: "9b")
        var faults = FaultProxy.Faults()
        faults.redirectBlobsToCDN = true
        let proxy = try FaultProxy(upstreamPort: registry.port, faults: faults)
        defer { proxy.stop() }
        // http:// spares the HTTPS attempt, which the proxy would sit on until the stall timeout.
        let reference = "http://\(proxy.host)/\(Self.repository):9b"

        // show --remote reads the headers with small ranged reads through the CDN.
        let remote = try cli.run(["show", "--remote", "--json", reference, "--insecure"])
        XCTAssertEqual(remote.status, 0, remote.err)
        try Self.checkShow(remote.out, against: tensors)
        let rangedBytes = proxy.bytesSent
        XCTAssertLessThan(rangedBytes, model.totalSize / 4, "show --remote must not download the tensors")

        let run = try cli.run(["pull", reference, "--insecure"])
        XCTAssertEqual(run.status, 0, run.err)
        for blob in [model.config] + model.layers {
            XCTAssertTrue(FileManager.default.contentsEqual(atPath: cli.blobPath(blob.digest), andPath: blob.path.path), blob.digest)
        }
        let manifestPath = cli.models.path + "/manifests/\(proxy.host)/\(Self.repository)/9b"
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: manifestPath)), model.manifest)
        let cdnBlobs = Set(proxy.requests.filter { $0.onCDN && $0.method == "GET" }.map { String($0.path.split(separator: "/").last ?? "") })
        XCTAssertEqual(cdnBlobs, Set(([model.config] + model.layers).map(\.digest)), "every blob came through the CDN")

        let local = try cli.run(["show", "--json", reference])
        XCTAssertEqual(local.status, 0, local.err)
        try Self.checkShow(local.out, against: tensors)
        XCTAssertEqual(try cli.run(["verify"]).status, 0)
    }

    /// The same model pushed to another registry, copied inside it, synced
    /// with a mirror, pulled back, and removed (apart from the
    /// CDN test above so that neither holds a worker for long).
    func testKeptByEveryStoreCommand() throws {
        let registry = try RegistryProcess()
        let target = try RegistryProcess()
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        let model = try Self.makeModel(in: cli.scratch).model
        try ModelSeeder.write(model, to: registry.storageRoot, repository: Self.repository, tag: "9b")
        let reference = "\(registry.host)/\(Self.repository):9b"
        var run = try cli.run(["pull", reference, "--insecure"])
        XCTAssertEqual(run.status, 0, run.err)

        // push to another registry, copy inside it, sync with a mirror.
        run = try cli.run(["push", reference, "\(target.host)/mirror/flux2-klein:9b", "--insecure"])
        XCTAssertEqual(run.status, 0, run.err)
        run = try cli.run(["copy", "\(target.host)/mirror/flux2-klein:9b", "\(target.host)/copied/flux2-klein:9b", "--insecure"])
        XCTAssertEqual(run.status, 0, run.err)
        let list = cli.scratch.appendingPathComponent("models.json")
        try Data("{\"models\": [{\"name\": \"\(reference)\", \"insecure\": true}], \"mirror\": {\"registry\": \"\(target.host)/synced\", \"insecure\": true}}".utf8)
            .write(to: list)
        run = try cli.run(["sync", list.path])
        XCTAssertEqual(run.status, 0, run.err + run.out.text)
        for path in ["mirror/flux2-klein", "copied/flux2-klein", "synced/\(Self.repository)"] {
            XCTAssertEqual(try Self.manifest(at: target, path: path, tag: "9b", accept: model.mediaType), model.manifest, path)
        }
        let copy = try cli.run(["pull", "\(target.host)/copied/flux2-klein:9b", "--insecure"])
        XCTAssertEqual(copy.status, 0, copy.err)
        XCTAssertEqual(try cli.run(["verify"]).status, 0)

        // rm keeps the blobs another model names; once both are gone, prune leaves none.
        run = try cli.run(["rm", reference])
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertTrue(FileManager.default.fileExists(atPath: cli.blobPath(model.layers[0].digest)))
        run = try cli.run(["rm", "\(target.host)/copied/flux2-klein:9b"])
        XCTAssertEqual(run.status, 0, run.err)
        run = try cli.run(["prune"])
        XCTAssertEqual(run.status, 0, run.err)
        let left = try FileManager.default.contentsOfDirectory(atPath: cli.models.path + "/blobs").filter { $0.hasPrefix("sha256-") }
        XCTAssertEqual(left, [], "blobs of removed models remain")
    }

    func testBlobWritesADiffusersFolderThatPythonSafetensorsReadsBack() throws {
        let registry = try RegistryProcess()
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        let tensors = try Self.makeModel(in: cli.scratch)
        try ModelSeeder.write(tensors.model, to: registry.storageRoot, repository: Self.repository, tag: "9b")
        let reference = "\(registry.host)/\(Self.repository):9b"

        // One file is refused with the hint, before anything is fetched.
        var run = try cli.run(["blob", reference, "-o", cli.scratch.path + "/flux.gguf", "--insecure"])
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(run.err.split(separator: "\n").count, 1, run.err)
        XCTAssertTrue(run.err.contains("use -o DIR/"), run.err)

        // Not in the store: fetched beside the folder, which is all that is left.
        let direct = cli.scratch.appendingPathComponent("direct")
        run = try cli.run(["blob", reference, "-o", direct.path + "/", "--insecure"])
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertTrue(run.out.text.contains("int4 (group 32)"), run.out.text)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: cli.scratch.path).filter { $0.hasPrefix(".") }, [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: cli.models.path + "/blobs/" + tensors.model.config.digest.replacingOccurrences(of: ":", with: "-")))
        try Self.checkWithPython(direct, against: tensors, scratch: cli.scratch)

        // From the store: the same folder.
        XCTAssertEqual(try cli.run(["pull", reference, "--insecure"]).status, 0)
        let stored = cli.scratch.appendingPathComponent("stored")
        run = try cli.run(["blob", reference, "-o", stored.path + "/"])
        XCTAssertEqual(run.status, 0, run.err)
        for file in try Self.files(in: direct) {
            XCTAssertTrue(FileManager.default.contentsEqual(atPath: direct.path + "/" + file, andPath: stored.path + "/" + file), file)
        }
        XCTAssertEqual(try Self.files(in: direct), try Self.files(in: stored))

        // A folder that exists with files in it is left alone.
        run = try cli.run(["blob", reference, "-o", stored.path + "/"])
        XCTAssertEqual(run.status, 1)
        XCTAssertTrue(run.err.contains("not an empty directory"), run.err)
    }

    func testOlderSeparateScaleAndBiasLayersReadAsTheSameModel() throws {
        let registry = try RegistryProcess()
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        let tensors = try TensorModelSeeder.model(tensorLayers: 120, minBytes: 200, maxBytes: 64 << 10, olderQuantisedLayers: true,
                                                  seed: 15, in: cli.scratch.appendingPathComponent("older-seed"))
        XCTAssertTrue(tensors.model.layers.contains { $0.name?.hasSuffix("_qbias") ?? false })
        try ModelSeeder.write(tensors.model, to: registry.storageRoot, repository: "x/z-image-turbo", tag: "int4")
        let reference = "\(registry.host)/x/z-image-turbo:int4"
        XCTAssertEqual(try cli.run(["pull", reference, "--insecure"]).status, 0)
        let shown = try cli.run(["show", "--json", reference])
        XCTAssertEqual(shown.status, 0, shown.err)
        try Self.checkShow(shown.out, against: tensors)
        let folder = cli.scratch.appendingPathComponent("older")
        let run = try cli.run(["blob", reference, "-o", folder.path + "/"])
        XCTAssertEqual(run.status, 0, run.err)
        try Self.checkWithPython(folder, against: tensors, scratch: cli.scratch)
    }

    func testHostileSafetensorsHeaderIsRefusedWithOneLine() throws {
        let registry = try RegistryProcess()
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        let seed = cli.scratch.appendingPathComponent("hostile")
        let cases: [(tag: String, blob: Data, expect: String)] = [
            ("past-end", Self.safetensors(#"{"w":{"dtype":"U8","shape":[64],"data_offsets":[0,64]}}"#, data: 16), "past the end"),
            ("overlap", Self.safetensors(#"{"a":{"dtype":"U8","shape":[8],"data_offsets":[0,8]},"b":{"dtype":"U8","shape":[8],"data_offsets":[4,12]}}"#, data: 16), "overlap"),
            ("huge-length", Self.lengthOnly(1 << 63), "header length 9223372036854775808"),
        ]
        for (tag, blob, expect) in cases {
            let model = try TensorModelSeeder.singleTensorModel(blob: blob, in: seed.appendingPathComponent(tag))
            try ModelSeeder.write(model, to: registry.storageRoot, repository: "x/hostile", tag: tag)
            let reference = "\(registry.host)/x/hostile:\(tag)"
            for arguments in [["show", "--remote", reference, "--insecure"], ["blob", reference, "-o", cli.scratch.path + "/out-\(tag)/", "--insecure"]] {
                let run = try cli.run(arguments)
                XCTAssertEqual(run.status, 1, "\(arguments)")
                XCTAssertEqual(run.err.split(separator: "\n").count, 1, run.err)
                XCTAssertTrue(run.err.contains("not a valid safetensors file") && run.err.contains(expect), run.err)
            }
            XCTAssertFalse(FileManager.default.fileExists(atPath: cli.scratch.path + "/out-\(tag)"))
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: cli.scratch.path).filter { $0.contains("modelget") }, [])
        }
    }

    /// Layers naming one blob read its header once (`show --remote`: two
    /// ranged GETs in all, not two per layer); headers adding up to more
    /// than 64 MiB are refused in one line before they are read, by `show`
    /// and by `blob -o DIR/`.
    func testHeadersAreReadOncePerBlobAndBoundedInTotal() throws {
        let registry = try RegistryProcess()
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        let shared = Self.paddedHeader(8 << 20)
        let repeated = try TensorModelSeeder.tensorModel(layers: (0..<32).map { ("transformer/blocks.\($0).attn.q.weight", shared) },
                                                         in: cli.scratch.appendingPathComponent("repeated"))
        try ModelSeeder.write(repeated, to: registry.storageRoot, repository: "x/repeated", tag: "latest")
        let proxy = try CountingProxy(upstream: registry.host)
        var run = try cli.run(["show", "--remote", "--json", "http://\(proxy.host)/x/repeated", "--insecure"])
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertTrue(run.out.text.contains("\"tensor_layers\":32"), run.out.text)
        let digest = repeated.layers[0].digest
        XCTAssertEqual(proxy.requests.filter { $0.path.hasSuffix(digest) }.count, 2, "a first ranged read and the whole header, once")
        XCTAssertEqual(try cli.run(["pull", "\(registry.host)/x/repeated", "--insecure"]).status, 0)
        run = try cli.run(["show", "--json", "\(registry.host)/x/repeated"])
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertTrue(run.out.text.contains("\"tensor_layers\":32"), run.out.text)

        let huge = try TensorModelSeeder.tensorModel(layers: (0..<3).map { ("transformer/blocks.\($0).attn.q.weight", Self.paddedHeader((30 << 20) + $0)) },
                                                     in: cli.scratch.appendingPathComponent("huge"))
        try ModelSeeder.write(huge, to: registry.storageRoot, repository: "x/huge", tag: "latest")
        XCTAssertEqual(try cli.run(["pull", "\(registry.host)/x/huge", "--insecure"]).status, 0)
        run = try cli.run(["show", "\(registry.host)/x/huge"])
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(run.err.split(separator: "\n").count, 1, run.err)
        XCTAssertTrue(run.err.contains("safetensors headers add up to more than 67.1 MB"), run.err)
        // blob -o DIR/ reads the same headers within the same bound.
        let folder = cli.scratch.appendingPathComponent("huge-folder")
        run = try cli.run(["blob", "\(registry.host)/x/huge", "-o", folder.path + "/"])
        XCTAssertEqual(run.status, 1)
        XCTAssertEqual(run.err.split(separator: "\n").count, 1, run.err)
        XCTAssertTrue(run.err.contains("safetensors headers add up to more than 67.1 MB"), run.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: folder.path))
    }

    // MARK: helpers

    /// A safetensors file of no tensors whose header is `length` bytes: an empty object padded with spaces.
    static func paddedHeader(_ length: Int) -> Data {
        var bytes = Data()
        withUnsafeBytes(of: UInt64(length).littleEndian) { bytes.append(contentsOf: $0) }
        return bytes + Data("{".utf8) + Data(repeating: 0x20, count: length - 2) + Data("}".utf8)
    }

    /// Checks `show --json` output against what the seeder wrote.
    static func checkShow(_ output: Data, against tensors: GeneratedTensorModel) throws {
        let line = try XCTUnwrap(output.text.split(separator: "\n").last)
        let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        let summary = try XCTUnwrap(object["tensor_model"] as? [String: Any], "no tensor_model in \(line.prefix(300))")
        let quantised = tensors.tensors.filter { $0.dtype == "U32" }.count
        let companions = 2 * quantised  // each quantised weight's scale and bias
        XCTAssertEqual((summary["parameters"] as? NSNumber)?.int64Value, tensors.parameterCount)
        XCTAssertEqual(summary["tensor_layers"] as? Int, tensors.model.layers.filter { $0.mediaType == MediaType.ollamaTensor }.count)
        XCTAssertEqual(summary["tensors"] as? Int, tensors.tensors.count - companions)
        var dtypes: [String: Int] = [:]
        for tensor in tensors.tensors { dtypes[tensor.dtype, default: 0] += 1 }
        XCTAssertEqual(summary["dtypes"] as? [String: Int], dtypes)
        XCTAssertEqual(summary["quantization"] as? [String: Int], ["\(tensors.quantType) (group \(tensors.groupSize))": quantised])
        XCTAssertEqual(summary["architecture"] as? String, tensors.architecture)
        XCTAssertEqual(summary["capabilities"] as? [String], tensors.capabilities)
        XCTAssertEqual(summary["requires"] as? String, tensors.requires)
        let components = try XCTUnwrap(summary["components"] as? [[String: Any]])
        XCTAssertEqual(components.map { $0["name"] as? String }, ["text_encoder", "transformer", "vae"])
        for component in components {
            let name = component["name"] as? String ?? ""
            XCTAssertEqual(component["tensor_layers"] as? Int, tensors.tensorLayers[name], name)
        }
    }

    /// Has Python's `safetensors` read every merged file back and compare
    /// each tensor with its bytes in the source blob; compares the json
    /// files and model_index.json with the original.
    static func checkWithPython(_ folder: URL, against tensors: GeneratedTensorModel, scratch: URL) throws {
        var files: [String: [[String: Any]]] = [:]
        for tensor in tensors.tensors {
            let file = tensor.component + (tensor.component == "text_encoder" ? "/model.safetensors" : "/diffusion_pytorch_model.safetensors")
            files[file, default: []].append(["name": tensor.name, "dtype": tensor.dtype, "shape": tensor.shape,
                                             "blob": tensor.blob.path, "offset": tensor.offset, "length": tensor.length])
        }
        var metadata: [String: [String: String]] = [:]
        for file in files.keys {
            metadata[file] = file.hasPrefix("vae/") ? ["format": "pt"]
                : ["format": "pt", "quant_type": tensors.quantType, "group_size": String(tensors.groupSize)]
        }
        var original = try XCTUnwrap(JSONSerialization.jsonObject(with: tensors.originalModelIndex) as? [String: Any])
        original.removeValue(forKey: "_diffusers_version")  // ollama drops it on import
        var json = tensors.jsonFiles
        json.removeValue(forKey: "model_index.json")
        let spec: [String: Any] = [
            "dir": folder.path, "files": files, "metadata": metadata, "model_index": original,
            "json": json.mapValues { String(decoding: $0, as: UTF8.self) },
        ]
        let specFile = scratch.appendingPathComponent("check.json")
        try JSONSerialization.data(withJSONObject: spec).write(to: specFile)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", pythonCheck, specFile.path]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, text)
        XCTAssertTrue(text.contains("checked \(tensors.tensors.count) tensors"), text)
    }

    static let pythonCheck = #"""
import json, sys
from safetensors import safe_open, deserialize
spec = json.load(open(sys.argv[1]))
problems, checked = [], 0
for path, expected in spec["files"].items():
    full = spec["dir"] + "/" + path
    with safe_open(full, framework="numpy") as f:
        meta = f.metadata() or {}
        keys = set(f.keys())
    if meta != spec["metadata"][path]:
        problems.append(f"{path}: metadata {meta}")
    wanted = {t["name"]: t for t in expected}
    if keys != set(wanted):
        problems.append(f"{path}: {len(keys)} tensors, want {len(wanted)}")
    with open(full, "rb") as handle:
        tensors = deserialize(handle.read())
    for name, info in tensors:
        t = wanted.get(name)
        if t is None:
            continue
        with open(t["blob"], "rb") as blob:
            blob.seek(t["offset"])
            source = blob.read(t["length"])
        if info["dtype"] != t["dtype"] or list(info["shape"]) != t["shape"] or bytes(info["data"]) != source:
            problems.append(f"{path}: {name} differs")
        checked += 1
index = json.load(open(spec["dir"] + "/model_index.json"))
if index != spec["model_index"]:
    problems.append(f"model_index.json {index}")
for path, text in spec["json"].items():
    if open(spec["dir"] + "/" + path).read() != text:
        problems.append(f"{path} differs")
print("\n".join(problems[:20]))
print(f"checked {checked} tensors")
sys.exit(1 if problems else 0)
"""#

    /// Files under `folder`, relative, sorted.
    static func files(in folder: URL) throws -> [String] {
        let enumerator = FileManager.default.enumerator(atPath: folder.path)
        var found: [String] = []
        while let path = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: folder.path + "/" + path, isDirectory: &isDirectory), !isDirectory.boolValue {
                found.append(path)
            }
        }
        return found.sorted()
    }

    static func manifest(at registry: RegistryProcess, path: String, tag: String, accept: String) throws -> Data {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["curl", "-sf", "-H", "Accept: \(accept)", "http://\(registry.host)/v2/\(path)/manifests/\(tag)"]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, path)
        return data
    }

    /// A safetensors file: header text, then `data` zero bytes.
    static func safetensors(_ header: String, data: Int) -> Data {
        var bytes = Data()
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { bytes.append(contentsOf: $0) }
        return bytes + Data(header.utf8) + Data(count: data)
    }

    /// Just a header length, and a few bytes.
    static func lengthOnly(_ length: UInt64) -> Data {
        var bytes = Data()
        withUnsafeBytes(of: length.littleEndian) { bytes.append(contentsOf: $0) }
        return bytes + Data("{}".utf8)
    }
}
