import Foundation
import Synchronization

/// Where the bytes of one blob come from: its image's sources in order
/// (`PullSources`: mirrors, then the registry), and for the one in use
/// the location it redirected to (a CDN), resolved once and then asked
/// directly, with no credentials, until it refuses (an expired signed
/// URL) or stops answering (asked once per attempt: the next attempt asks
/// that source again, which names it anew or another).
///
/// A mirror that fails is dropped for this blob and the next source
/// asked: at once when it never answered (unreachable, no TLS, silent
/// past the stall timeout: then it is down for the whole operation) or
/// answered anything but the bytes (an error status, a refused login);
/// by the caller's next attempt when it broke off while sending them.
/// A mirror whose bytes did not hash to the digest is dropped by
/// `blameMirrors`. The registry itself is never dropped: its failures
/// are the blob's.
///
/// With `connections`, it tells `HostConnections` how hosts answered (the
/// operation's first blob scouts; the others wait for it).
final class BlobSource: Sendable {
    let sources: PullSources
    let digest: Digest
    /// Which hosts' bodies take connections of their own, learned from the
    /// first blob's answers (nil: no choice is learned, as for extract's stream).
    let connections: HostConnections?

    private struct State {
        /// The source asked now.
        var index = 0
        /// Where it redirected to.
        var location: URL?
        /// Mirrors dropped for this blob.
        var dropped = Set<Int>()
        /// Mirrors whose bytes went into the blob.
        var delivered = Set<Int>()
    }

    private let state = Mutex(State())

    init(sources: PullSources, digest: Digest, connections: HostConnections? = nil) {
        self.sources = sources
        self.digest = digest
        self.connections = connections
    }

    /// `client`'s registry alone.
    convenience init(client: RegistryClient, repository: String, digest: Digest, connections: HostConnections? = nil) {
        self.init(sources: PullSources(client: client, repository: repository), digest: digest, connections: connections)
    }

    /// The host the bytes come from now: the CDN location, else the source in use.
    var host: String {
        let (index, location) = state.withLock { ($0.index, $0.location) }
        return location.map(RetryingHTTPClient.hostAndPort) ?? sources.endpoints[index].reference.host
    }

    /// GETs `range` (nil: the whole blob) into `sink`; returns the final
    /// response whatever its status (the registry's, when every mirror failed).
    func fetch(range: Range<Int64>?, sink: ResponseBodySink) async throws -> HTTPResponse {
        guard let connections, await connections.scoutOrWait() else { return try await fetchFromAnywhere(range: range, sink: sink, scout: nil) }
        defer { connections.scouted() }
        let scout = ScoutSink(sink, connections: connections)
        let response = try await fetchFromAnywhere(range: range, sink: scout, scout: scout)
        scout.finish()
        return response
    }

    private func fetchFromAnywhere(range: Range<Int64>?, sink: ResponseBodySink, scout: ScoutSink?) async throws -> HTTPResponse {
        while true {
            let index = currentSource()
            guard sources.isMirror(at: index) else { return try await fetch(from: index, range: range, sink: sink, scout: scout) }
            let watched = WatchedSink(sink)
            do {
                let response = try await fetch(from: index, range: range, sink: watched, scout: scout)
                if (200..<300).contains(response.status) {
                    state.withLock { _ = $0.delivered.insert(index) }
                    return response
                }
                drop(index, because: "HTTP \(response.status)")
            } catch {
                if error is CancellationError || (error as? ModelGetError) == .cancelled { throw error }
                if !watched.began, case ModelGetError.network = error {
                    // No answer at all (not reachable, no TLS, silent): down for the whole operation.
                    sources.markDown(at: index, because: error)
                    drop(index, because: nil)
                    continue
                }
                drop(index, because: "\(error)")
                // Bytes may have reached the sink: the caller's next attempt goes to the next source.
                if watched.tookBytes {
                    state.withLock { _ = $0.delivered.insert(index) }
                    throw error
                }
            }
        }
    }

    /// Drops every mirror whose bytes went into the blob, which did not
    /// hash to its digest; returns their names (empty: the registry's own bytes).
    func blameMirrors() -> [String] {
        let blamed = state.withLock { state -> [Int] in
            let blamed = state.delivered.sorted()
            state.dropped.formUnion(blamed)
            state.delivered.removeAll()
            return blamed
        }
        return blamed.map { sources.name(at: $0) }
    }

    /// The first source not dropped or down (the registry at the latest).
    private func currentSource() -> Int {
        state.withLock { state in
            var index = state.index
            while index < sources.count - 1 && (state.dropped.contains(index) || sources.isDown(at: index)) { index += 1 }
            if index != state.index {
                state.index = index
                state.location = nil
            }
            return index
        }
    }

    private func drop(_ index: Int, because reason: String?) {
        state.withLock { _ = $0.dropped.insert(index) }
        if let reason {
            sources.note("mirror \(sources.name(at: index)) failed for \(digest) (\(reason)); reading it from the next source",
                         once: sources.name(at: index))
        }
    }

    /// One request to source `index`: its CDN location if it gave one,
    /// else the registry's blob URL. The scout, if any, hears which URL
    /// its body comes from.
    private func fetch(from index: Int, range: Range<Int64>?, sink: ResponseBodySink, scout: ScoutSink?) async throws -> HTTPResponse {
        let client = try await sources.client(at: index)
        if let url = state.withLock({ $0.index == index ? $0.location : nil }) {
            scout?.url = url
            let response: HTTPResponse
            do {
                response = try await client.fetchBlobRange(at: url, range: range, sink: sink)
            } catch where RetryPolicy.isRetryable(error) {
                // Gone (refused, reset, stalled): the next attempt asks the source again.
                state.withLock { if $0.location == url { $0.location = nil } }
                throw error
            }
            guard Self.isRefusal(response.status) else { return response }
            state.withLock { if $0.location == url { $0.location = nil } }
        }
        let repository = sources.repository(at: index)
        var response = try await fromRegistry(client, repository, range: range, sink: sink, scout: scout)
        if Self.isRefusal(response.status), !client.isRegistryOrigin(response.url) {
            // A stale location handed out just before it expired: ask once more.
            response = try await fromRegistry(client, repository, range: range, sink: sink, scout: scout)
        }
        if (200..<300).contains(response.status), !client.isRegistryOrigin(response.url) {
            state.withLock { if $0.index == index { $0.location = response.url } }
        }
        return response
    }

    /// The blob from `client`'s registry, following its redirects; `connections` hears of each.
    private func fromRegistry(_ client: RegistryClient, _ repository: String, range: Range<Int64>?, sink: ResponseBodySink,
                              scout: ScoutSink?) async throws -> HTTPResponse {
        scout?.url = client.url(repository, "blobs/\(digest)")
        return try await client.fetchBlobRange(repository: repository, digest: digest, range: range, sink: sink) { [connections] from, to in
            connections?.redirected(from: from)
            scout?.url = to
        }
    }

    /// How a CDN says a signed URL is no longer good.
    private static func isRefusal(_ status: Int) -> Bool {
        [401, 403, 404, 410].contains(status)
    }
}

/// A sink that remembers whether a response reached it, around a
/// mirror's request: a failure before that hands over to the next source
/// at once.
private final class WatchedSink: ResponseBodySink, @unchecked Sendable {
    private let sink: ResponseBodySink
    /// Set on the transport's thread, read after the request ended.
    private(set) var began = false
    /// True once the sink accepted the body (a 2xx): bytes may have reached the blob.
    private(set) var tookBytes = false

    init(_ sink: ResponseBodySink) { self.sink = sink }

    var delivery: BodyDelivery { sink.delivery }

    func begin(status: Int, headers: HTTPHeaders) throws -> Bool {
        began = true
        let accepted = try sink.begin(status: status, headers: headers)
        tookBytes = accepted
        return accepted
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws { try sink.write(bytes) }
}
