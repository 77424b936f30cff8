import Foundation
import Synchronization

/// Where the bytes of one blob come from: the registry, or the location
/// it redirected to (a CDN), resolved once and then asked directly, with
/// no credentials, until it refuses (an expired signed URL) or stops
/// answering, when the registry is asked again.
final class BlobSource: Sendable {
    let client: RegistryClient
    let repository: String
    let digest: Digest
    private let location = Mutex<URL?>(nil)

    init(client: RegistryClient, repository: String, digest: Digest) {
        self.client = client
        self.repository = repository
        self.digest = digest
    }

    /// The host the bytes come from now: the CDN location, else the registry.
    var host: String {
        location.withLock { $0 }.map(RetryingHTTPClient.hostAndPort) ?? client.host
    }

    /// GETs `range` (nil: the whole blob) into `sink`; returns the final
    /// response whatever its status.
    func fetch(range: Range<Int64>?, sink: ResponseBodySink) async throws -> HTTPResponse {
        if let url = location.withLock({ $0 }) {
            let response: HTTPResponse
            do {
                response = try await client.fetchBlobRange(at: url, range: range, sink: sink)
            } catch where RetryPolicy.isRetryable(error) {
                // Gone (refused, reset, stalled): the next attempt asks the registry again.
                location.withLock { if $0 == url { $0 = nil } }
                throw error
            }
            guard Self.isRefusal(response.status) else { return response }
            location.withLock { if $0 == url { $0 = nil } }
        }
        var response = try await client.fetchBlobRange(repository: repository, digest: digest, range: range, sink: sink)
        if Self.isRefusal(response.status), !client.isRegistryOrigin(response.url) {
            // A stale location handed out just before it expired: ask once more.
            response = try await client.fetchBlobRange(repository: repository, digest: digest, range: range, sink: sink)
        }
        if (200..<300).contains(response.status), !client.isRegistryOrigin(response.url) {
            location.withLock { $0 = response.url }
        }
        return response
    }

    /// How a CDN says a signed URL is no longer good.
    private static func isRefusal(_ status: Int) -> Bool {
        [401, 403, 404, 410].contains(status)
    }
}
