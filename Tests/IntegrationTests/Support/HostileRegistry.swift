import Foundation
import ModelGet
import TestSupport

/// A loopback registry that serves exactly the bytes a test hands it:
/// manifests no real registry would accept (sizes that overflow,
/// duplicate keys, control characters) and blobs by digest. `answer` may
/// take any request first, to play a token service, a CDN redirect or an
/// error body written to attack a terminal.
final class HostileRegistry: Sendable {
    let server: LoopbackHTTPServer

    /// `manifests` by `repository:tag`; `blobs` by `sha256:<hex>`.
    init(manifests: [String: Data], blobs: [String: Data] = [:],
         answer: @escaping @Sendable (TestHTTPRequest) -> TestHTTPResponse? = { _ in nil }) throws {
        server = try LoopbackHTTPServer { request in
            if let response = answer(request) { return response }
            let path = request.path
            if path == "/v2/" { return TestHTTPResponse(status: 200, body: Data("{}".utf8)) }
            if let range = path.range(of: "/manifests/"), path.hasPrefix("/v2/") {
                let repository = path[path.index(path.startIndex, offsetBy: 4)..<range.lowerBound]
                let key = String(repository) + ":" + String(path[range.upperBound...])
                guard let body = manifests[key] else { return TestHTTPResponse(status: 404) }
                return TestHTTPResponse(status: 200, headers: ["Content-Type": MediaType.dockerManifest], body: body)
            }
            if let range = path.range(of: "/blobs/"), let body = blobs[String(path[range.upperBound...])] {
                return TestHTTPResponse(status: 200, headers: ["Content-Type": "application/octet-stream"], body: body)
            }
            return TestHTTPResponse(status: 404)
        }
    }

    /// `127.0.0.1:PORT`.
    var host: String { "127.0.0.1:\(server.port)" }

    /// An Ollama-style manifest naming a config and layers by digest and
    /// size, as written (the sizes are not checked against anything).
    static func manifest(config: (digest: String, size: Int64), layers: [(mediaType: String, digest: String, size: Int64)]) -> Data {
        let list = layers.map { #"{"mediaType":"\#($0.mediaType)","digest":"\#($0.digest)","size":\#($0.size)}"# }
        return Data(("{\"schemaVersion\":2,\"mediaType\":\"\(MediaType.dockerManifest)\","
            + "\"config\":{\"mediaType\":\"\(MediaType.dockerConfig)\",\"digest\":\"\(config.digest)\",\"size\":\(config.size)},"
            + "\"layers\":[" + list.joined(separator: ",") + "]}").utf8)
    }

    /// `sha256:<hex>` of `data`.
    static func digest(_ data: Data) -> String { "sha256:" + SHA256Hasher.hex(of: data) }
}

extension CLIHarness {
    /// Puts a model into the models directory by hand, as another tool or
    /// a damaged disk may have left it: the manifest at
    /// `manifests/<path>` and each blob under its digest.
    func storeByHand(_ path: String, manifest: Data, blobs: [Data] = []) throws {
        let file = models.appendingPathComponent("manifests/" + path)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        try manifest.write(to: file)
        try FileManager.default.createDirectory(at: models.appendingPathComponent("blobs"), withIntermediateDirectories: true)
        for blob in blobs { try blob.write(to: URL(fileURLWithPath: blobPath(HostileRegistry.digest(blob)))) }
    }
}
