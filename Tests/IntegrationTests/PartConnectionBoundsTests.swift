import Foundation
import ModelGet
import TestSupport
import XCTest

/// Parts of big blobs on connections of their own, within the bound per
/// host, against a real docker-registry behind Debian's nginx (a registry
/// front that redirects blob GETs to an HTTPS CDN speaking HTTP/2) or a
/// FaultProxy. Fixed part counts and upper bounds: a loaded machine does
/// not change them, so these run with the other tests
/// (`PartsOverConnectionsTests`, whose counts adapt to the path's speed,
/// run alone).
final class PartConnectionBoundsTests: PartedPullTestCase {
    func testPartsOfOneBlobArriveOnDistinctConnectionsThroughAnHTTP2CDN() async throws {
        let model = try seed(layer: 24 << 20, seed: 41)
        // Capped connections keep the parts in flight together.
        let cdn = try NginxCDN(registryPort: registry.port, storageRoot: registry.storageRoot,
                               shaping: TCPRelay.Shaping(bytesPerSecond: 4 << 20))
        defer { cdn.stop() }
        // The CDN does speak HTTP/2: a client that asks for it gets it.
        let layerURL = "https://127.0.0.1:\(cdn.tlsPort)/cdn/" + model.layers[0].digest.dropFirst(7).prefix(2) + "/"
            + model.layers[0].digest.dropFirst(7) + "/data"
        let curl = Process()
        curl.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        curl.arguments = ["-sk", "--http2", "-r", "0-0", "-o", "/dev/null", "-w", "%{http_version}", layerURL]
        let output = Pipe()
        curl.standardOutput = output
        try curl.run()
        let version = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        curl.waitUntilExit()
        XCTAssertEqual(version, "2")

        let progress = TransferProgress()
        let plan = PartPlan(threshold: 4 << 20, partSize: 4 << 20, parallelParts: 4, adaptive: false)
        _ = try await pull(from: cdn.host, plan: plan, progress: progress)
        try assertStored(model)
        // Multiplexed on one HTTP/2 connection, this would be 1 or 2.
        XCTAssertGreaterThanOrEqual(cdn.relay.connectionsAccepted, 5, "the probe's connection and one per part")
        XCTAssertGreaterThanOrEqual(progress.peakRequestsInFlight, 4)
        let log = cdn.cdnLog
        XCTAssertTrue(log.contains { $0.hasSuffix("HTTP/1.1") }, "parts go over HTTP/1.1 connections: \(log)")
        let connections = Dictionary(grouping: log, by: { $0.split(separator: " ")[0] }).values.compactMap(\.first)
        XCTAssertTrue(connections.contains { $0.split(separator: " ")[1] == "r" }, "a new connection resumed the TLS session: \(log)")
    }

    func testMaxConnectionsPerHostBoundsThePartsOfAllBigBlobsTogether() async throws {
        let model = try ModelSeeder.ollamaModel(layerSizes: [16 << 20, 16 << 20], seed: 45, in: work.appendingPathComponent("seed-45"))
        try ModelSeeder.write(model, to: registry.storageRoot, repository: "library/parted", tag: "v1")
        var faults = FaultProxy.Faults()
        faults.bytesPerSecond = 2 << 20
        let proxy = try FaultProxy(upstreamPort: registry.port, faults: faults)
        defer { proxy.stop() }
        let progress = TransferProgress()
        // Each blob alone may use 4; both together share the same 4.
        let plan = PartPlan(threshold: 4 << 20, partSize: 2 << 20, parallelParts: 4, adaptive: true, maximumParts: 4,
                            minimumSplit: 512 << 10)
        _ = try await pull(from: proxy.host, plan: plan, progress: progress)
        try assertStored(model)
        // 4 parts, plus the other blob's first request and the config at most (8 or more unshared).
        XCTAssertLessThanOrEqual(progress.peakRequestsInFlight, 6)
        XCTAssertGreaterThanOrEqual(progress.peakRequestsInFlight, 4)
    }
}
