import Foundation
import TestSupport
import XCTest

/// `blob` and `show` on Docker-Model-Runner-shaped and ModelPack-shaped
/// artifacts (the real media types, GGUF files made here) and on a
/// container image, served by a real docker-registry.
final class ModelArtifactTests: XCTestCase {
    /// 2048 + 640 parameters; a vocabulary big enough to push the header
    /// past the first 1 MiB read; 3 MiB of "tensor data".
    private static let gguf = GGUFBuilder.file(
        architecture: "llama", fileType: 15, contextLength: 2048, vocabulary: 80_000,
        tensors: [.init("token_embd.weight", [64, 32]), .init("output.weight", [64, 10])], dataSize: 3 << 20)

    private static func shard(_ n: Int) -> Data {
        GGUFBuilder.file(architecture: "llama", fileType: 15, contextLength: 2048, tensors: [.init("part\(n).weight", [16, 8])],
                         dataSize: 4096 + n)
    }

    private static var dockerConfig: [String: Any] { [
        "config": ["format": "gguf", "quantization": "Q4_K_M", "parameters": "2.69 K", "architecture": "llama", "size": "3 MiB"],
        "descriptor": ["created": "2026-01-01T00:00:00Z"],
    ] }

    func testDockerModelRunnerArtifactSingleAndSplit() throws {
        let registry = try RegistryProcess()
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        let single = try ArtifactSeeder.artifact(
            config: Self.dockerConfig, configType: "application/vnd.docker.ai.model.config.v0.1+json",
            layers: [ArtifactLayer(Data("MIT\n".utf8), mediaType: "application/vnd.docker.ai.license"),
                     ArtifactLayer(Self.gguf, mediaType: "application/vnd.docker.ai.gguf.v3")],
            in: cli.scratch.appendingPathComponent("single"))
        try ModelSeeder.write(single, to: registry.storageRoot, repository: "ai/tiny", tag: "latest")
        let shards = (1...3).map(Self.shard)
        let split = try ArtifactSeeder.artifact(
            config: Self.dockerConfig, configType: "application/vnd.docker.ai.model.config.v0.2+json",
            layers: shards.map { ArtifactLayer($0, mediaType: "application/vnd.docker.ai.gguf.v3") },
            in: cli.scratch.appendingPathComponent("split"))
        try ModelSeeder.write(split, to: registry.storageRoot, repository: "ai/split", tag: "latest")

        // show --remote through a proxy that records requests: the config and a ranged prefix of the weights.
        let proxy = try CountingProxy(upstream: registry.host)
        let ref = "http://\(proxy.host)/ai/tiny"
        var run = try cli.run(["show", ref, "--remote", "--insecure"])
        XCTAssertEqual(run.status, 0, run.err)
        for expected in ["gguf", "Q4_K_M", "2.69 K", "architecture  llama", "3 MiB", "gguf arch     llama", "gguf params   2688",
                         "gguf quant    Q4_K_M", "context       2048"] {
            XCTAssertTrue(run.out.text.contains(expected), "\(expected) in \(run.out.text)")
        }
        let weightsGets = proxy.requests.filter { $0.method == "GET" && $0.path.hasSuffix(single.layers[1].digest) }
        XCTAssertFalse(weightsGets.isEmpty)
        XCTAssertTrue(weightsGets.allSatisfy { $0.headers["Range"]?.hasPrefix("bytes=0-") == true }, "\(weightsGets.map(\.headers))")

        // blob: the gguf.v3 layer, not the license.
        let file = cli.scratch.appendingPathComponent("out/tiny.gguf")
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        run = try cli.run(["blob", "\(registry.host)/ai/tiny", "-o", file.path, "--insecure"])
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertEqual(try Data(contentsOf: file), Self.gguf)
        run = try cli.run(["blob", "\(registry.host)/ai/tiny", "-o", "-", "--insecure"])
        XCTAssertEqual(run.out, Self.gguf)

        // Pulled: show reads the same from the store.
        XCTAssertEqual(try cli.run(["pull", "\(registry.host)/ai/tiny", "--insecure"]).status, 0)
        run = try cli.run(["show", "\(registry.host)/ai/tiny", "--json"])
        let object = try JSONSerialization.jsonObject(with: run.out) as? [String: Any]
        let header = object?["gguf"] as? [String: Any]
        XCTAssertEqual(header?["parameters"] as? Int, 2688)
        XCTAssertEqual(header?["context_length"] as? Int, 2048)
        XCTAssertEqual(object?["quantization"] as? String, "Q4_K_M")

        // Split: shards into a directory; one file is refused with the hint.
        let splitRef = "\(registry.host)/ai/split"
        run = try cli.run(["blob", splitRef, "-o", cli.scratch.appendingPathComponent("one.gguf").path, "--insecure"])
        XCTAssertEqual(run.status, 2, run.err)
        XCTAssertTrue(run.err.contains("split GGUF of 3 files; give a directory: -o DIR/ writes model-00001-of-00003.gguf"), run.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: cli.scratch.appendingPathComponent("one.gguf").path))
        let directory = cli.scratch.appendingPathComponent("shards")
        run = try cli.run(["blob", splitRef, "-o", directory.path + "/", "--insecure"])
        XCTAssertEqual(run.status, 0, run.err)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted(),
                       ["model-00001-of-00003.gguf", "model-00002-of-00003.gguf", "model-00003-of-00003.gguf"])
        for (index, shard) in shards.enumerated() {
            XCTAssertEqual(try Data(contentsOf: directory.appendingPathComponent("model-0000\(index + 1)-of-00003.gguf")), shard)
        }
    }

    func testModelPackArtifactsCurrentAndLegacyNames() throws {
        let registry = try RegistryProcess()
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        let projector = GGUFBuilder.file(architecture: "clip", fileType: 1, contextLength: 0, tensors: [.init("v.weight", [8, 8])])
        for (prefix, annotation, repository) in [("cncf", "org.cncf.model.filepath", "pack/current"),
                                                 ("cnai", "org.cnai.model.filepath", "pack/legacy")] {
            let artifact = try ArtifactSeeder.artifact(
                config: ["descriptor": ["family": "llama3", "name": "tiny"],
                         "config": ["architecture": "transformer", "format": "gguf", "paramSize": "2.69K", "quantization": "q4_k_m"],
                         "modelfs": ["type": "layers", "diffIds": []]],
                configType: "application/vnd.\(prefix).model.config.v1+json",
                layers: [ArtifactLayer(projector, mediaType: "application/vnd.\(prefix).model.weight.v1.raw",
                                       annotations: [annotation: "mmproj-tiny-f16.gguf"]),
                         ArtifactLayer(Data("{}".utf8), mediaType: "application/vnd.\(prefix).model.weight.config.v1.raw",
                                       annotations: [annotation: "config.json"]),
                         ArtifactLayer(Self.gguf, mediaType: "application/vnd.\(prefix).model.weight.v1.raw",
                                       annotations: [annotation: "tiny-Q4_K_M.gguf"])],
                artifactType: "application/vnd.\(prefix).model.manifest.v1+json",
                in: cli.scratch.appendingPathComponent(prefix))
            try ModelSeeder.write(artifact, to: registry.storageRoot, repository: repository, tag: "latest")
            let ref = "\(registry.host)/\(repository)"
            let file = cli.scratch.appendingPathComponent("\(prefix).gguf")
            var run = try cli.run(["blob", ref, "-o", file.path, "--insecure"])
            XCTAssertEqual(run.status, 0, run.err)
            XCTAssertEqual(try Data(contentsOf: file), Self.gguf, prefix)
            run = try cli.run(["show", ref, "--remote", "--insecure"])
            XCTAssertEqual(run.status, 0, run.err)
            for expected in ["family        llama3", "parameters    2.69K", "quantization  q4_k_m", "architecture  transformer",
                             "gguf params   2688"] {
                XCTAssertTrue(run.out.text.contains(expected), "\(prefix): \(expected) in \(run.out.text)")
            }
        }
    }

    func testWeightsThatAreNotGGUFAreNotPutInPlace() throws {
        let registry = try RegistryProcess()
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        let fake = try ArtifactSeeder.artifact(
            config: Self.dockerConfig, configType: "application/vnd.docker.ai.model.config.v0.1+json",
            layers: [ArtifactLayer(Data(repeating: 0x41, count: 10_000), mediaType: "application/vnd.docker.ai.gguf.v3")],
            in: cli.scratch.appendingPathComponent("fake"))
        try ModelSeeder.write(fake, to: registry.storageRoot, repository: "ai/fake", tag: "latest")
        let file = cli.scratch.appendingPathComponent("fake.gguf")
        let run = try cli.run(["blob", "\(registry.host)/ai/fake", "-o", file.path, "--insecure"])
        XCTAssertEqual(run.status, 1, run.err)
        XCTAssertTrue(run.err.contains("not a GGUF file"), run.err)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: cli.scratch.path).filter { $0.contains("fake.gguf") }, [])
    }

    func testShowOnAnImagePrintsWhatItRunsWith() throws {
        let registry = try RegistryProcess()
        let cli = try CLIHarness()
        defer { cli.cleanUp() }
        let tar = cli.scratch.appendingPathComponent("app.tar")
        try TarBuilder.write([.file("srv/app", contents: "#!/bin/sh\n", mode: 0o755)], to: tar)
        let image = try ImageSeeder.image([.compressing(tar, with: .gzip)], architecture: "arm64", config: [
            "Entrypoint": ["/srv/app"], "Cmd": ["--serve", "--port=8080"], "Env": ["PATH=/usr/bin", "MODE=prod"],
            "WorkingDir": "/srv", "User": "1000:1000", "ExposedPorts": ["8080/tcp": [String: String]()],
            "Labels": ["org.opencontainers.image.title": "app"],
        ], in: cli.scratch.appendingPathComponent("blobs"))
        try ModelSeeder.write(image, to: registry.storageRoot, repository: "images/app", tag: "v2")
        let run = try cli.run(["show", "\(registry.host)/images/app:v2", "--remote", "--insecure", "--platform", "linux/arm64"])
        XCTAssertEqual(run.status, 0, run.err)
        for expected in ["platform      linux/arm64", "entrypoint    [\"/srv/app\"]", "command       [\"--serve\", \"--port=8080\"]",
                         "env           MODE=prod", "workdir       /srv", "user          1000:1000", "ports         8080/tcp",
                         "label         org.opencontainers.image.title=app", "layers        1, "] {
            XCTAssertTrue(run.out.text.contains(expected), "\(expected) in \(run.out.text)")
        }
    }
}
