import Foundation
import TestSupport

extension LoopbackHTTPServer {
    /// A loopback server on `address` that plays a CDN or a blob store:
    /// `GET …/<digest>` answers that blob of `model` (its last path
    /// component names it), anything else 404.
    static func serving(blobsOf model: GeneratedModel, address: String) throws -> LoopbackHTTPServer {
        var files: [String: URL] = [:]
        for blob in [model.config] + model.layers { files[blob.digest] = blob.path }
        let blobFiles = files
        return try LoopbackHTTPServer(address: address) { request in
            let digest = String(request.path.split(separator: "/").last ?? "")
            guard let path = blobFiles[digest], let data = try? Data(contentsOf: path) else { return TestHTTPResponse(status: 404) }
            return TestHTTPResponse(status: 200, headers: ["Content-Type": "application/octet-stream"], body: data)
        }
    }
}
