import Foundation
import Synchronization

/// Where the bytes of one blob come from: the registry, or the location
/// it redirected to (a CDN), resolved once and then asked directly, with
/// no credentials, until it refuses (an expired signed URL), when the
/// registry is asked again. Tells `HostConnections` how hosts answered.
final class BlobSource: Sendable {
    let client: RegistryClient
    let repository: String
    let digest: Digest
    /// Which hosts' bodies take connections of their own, learned from the first blob's answers.
    let connections: HostConnections
    private let location = Mutex<URL?>(nil)

    init(client: RegistryClient, repository: String, digest: Digest, connections: HostConnections) {
        self.client = client
        self.repository = repository
        self.digest = digest
        self.connections = connections
    }

    /// GETs `range` (nil: the whole blob) into `sink`; returns the final
    /// response whatever its status. The operation's first blob scouts the
    /// hosts; the others wait for it.
    func fetch(range: Range<Int64>?, sink: ResponseBodySink) async throws -> HTTPResponse {
        guard await connections.scoutOrWait() else { return try await fetchFromAnywhere(range: range, sink: sink) }
        defer { connections.scouted() }
        let scout = ScoutSink(sink, url: client.url(repository, "blobs/\(digest)"), connections: connections)
        let response = try await fetchFromAnywhere(range: range, sink: scout)
        scout.finish()
        return response
    }

    private func fetchFromAnywhere(range: Range<Int64>?, sink: ResponseBodySink) async throws -> HTTPResponse {
        if let url = location.withLock({ $0 }) {
            let response = try await client.fetchBlobRange(at: url, range: range, sink: sink)
            guard Self.isRefusal(response.status) else { return response }
            location.withLock { if $0 == url { $0 = nil } }
        }
        var response = try await fromRegistry(range: range, sink: sink)
        if Self.isRefusal(response.status), !client.isRegistryOrigin(response.url) {
            // A stale location handed out just before it expired: ask once more.
            response = try await fromRegistry(range: range, sink: sink)
        }
        if (200..<300).contains(response.status), !client.isRegistryOrigin(response.url) {
            location.withLock { $0 = response.url }
        }
        return response
    }

    private func fromRegistry(range: Range<Int64>?, sink: ResponseBodySink) async throws -> HTTPResponse {
        try await client.fetchBlobRange(repository: repository, digest: digest, range: range, sink: sink) { [connections] from, to in
            connections.redirected(from: from)
            (sink as? ScoutSink)?.url = to
        }
    }

    /// How a CDN says a signed URL is no longer good.
    private static func isRefusal(_ status: Int) -> Bool {
        [401, 403, 404, 410].contains(status)
    }
}
