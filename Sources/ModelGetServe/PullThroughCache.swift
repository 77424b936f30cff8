import Foundation
import Hummingbird
import HTTPTypes
import ModelGet
import Synchronization

/// `serve --upstream`: what the store lacks is fetched from the upstream
/// registry once, however many clients ask at once, and kept.
///
/// - Blobs: one `BlobFlight` per digest streams to every waiting client
///   while it arrives and lands in `blobs/` only once verified.
/// - Manifests by tag: served from the store while younger than
///   `manifestTTL` (file time, or the last check), else revalidated
///   upstream; a changed one is served at once and written to the store
///   once every blob it names is there (the store's rule: blobs first).
///   If the upstream cannot be reached, a stored manifest is served stale.
/// - Manifests by digest never change: a stored one is served as is.
final class PullThroughCache: Sendable {
    private let upstreams: [String: (Upstream, RegistryClient)]
    private let store: ModelStore
    private let lookup: StoreLookup
    private let manifestTTL: Duration
    private let metrics: ServeMetrics
    private let manifestFetches = SingleFlight<FetchedManifest>()
    private let flights = Mutex<[Digest: BlobFlight]>([:])
    private let checked = Mutex<[String: ContinuousClock.Instant]>([:])
    /// Manifests served but not yet stored: waiting for their blobs.
    private let waiting = Mutex<[String: (Reference, FetchedManifest, [Descriptor])]>([:])

    private let retry: RetryPolicy
    /// Clients for manifests and tag lists, which wait at most
    /// `metadataWindow` for an upstream that went away: a stored manifest
    /// is then served stale, or the client gets its 502, instead of
    /// waiting the whole retry window that blob fetches get.
    private let metadataClients: [String: RegistryClient]
    static let metadataWindow: TimeInterval = 5
    private let maximumUndeclaredBlobSize: Int64
    /// Blob sizes the manifests fetched through the cache declared: a
    /// flight never writes more than that.
    private let declaredSizes = Mutex<[Digest: Int64]>([:])

    /// Every upstream fetch under one `--limit-rate`, if given.
    private let rateLimiter: RateLimiter?

    init(upstreams: [Upstream], store: ModelStore, manifestTTL: Duration, retry: RetryPolicy, stallTimeout: TimeInterval,
         rateLimit: Int64?, maximumUndeclaredBlobSize: Int64, metrics: ServeMetrics) throws {
        rateLimiter = rateLimit.map { RateLimiter(bytesPerSecond: $0) }
        var table: [String: (Upstream, RegistryClient)] = [:]
        var metadata: [String: RegistryClient] = [:]
        var quick = retry
        quick.window = min(retry.window, Self.metadataWindow)
        for upstream in upstreams {
            table[upstream.host.lowercased()] = (upstream, try upstream.client(retry: retry, stallTimeout: stallTimeout))
            metadata[upstream.host.lowercased()] = try upstream.client(retry: quick, stallTimeout: stallTimeout)
        }
        self.metadataClients = metadata
        self.retry = retry
        self.maximumUndeclaredBlobSize = maximumUndeclaredBlobSize
        self.upstreams = table
        self.store = store
        self.lookup = StoreLookup(store: store)
        self.manifestTTL = manifestTTL
        self.metrics = metrics
    }

    /// True when names like `name` come from an upstream.
    func covers(_ name: ServedName) -> Bool { upstreams[name.host.lowercased()] != nil }

    /// The upstream for `name`, its client (for blobs, else for manifests
    /// and tag lists) and the repository.
    private func upstream(_ name: ServedName, forBlobs: Bool = false) -> (Upstream, RegistryClient, String) {
        let (upstream, client) = upstreams[name.host.lowercased()]!
        return (upstream, forBlobs ? client : metadataClients[name.host.lowercased()]!, name.namespace + "/" + name.model)
    }

    // MARK: tags

    /// The upstream's tags for a name the store does not hold (a name it
    /// holds lists the store's tags, which are what it can serve at once).
    func tags(_ name: ServedName) async throws -> [String] {
        let (upstream, client, repository) = upstream(name)
        let tags: [String]?
        do {
            tags = try await client.listTags(repository: repository)
        } catch {
            throw DistributionError.upstream("\(upstream.url.absoluteString): \(error)")
        }
        guard let tags else { throw DistributionError.nameUnknown(name.spelled) }
        return tags.filter { ServedName.isValidTag(Substring($0)) }.sorted()
    }

    // MARK: manifests

    /// The manifest for `reference`, from the store or the upstream.
    func manifest(_ name: ServedName, _ reference: DistributionRoute.ManifestReference,
                  stored: () throws -> StoredManifest) async throws -> StoredManifest {
        let local = try? stored()
        let key = "\(name.host)/\(name.namespace)/\(name.model)".lowercased() + ":" + reference.description
        if let local, case .digest = reference {
            metrics.hit()
            return local
        }
        if let local, isFresh(key, name: name, reference: reference) {
            metrics.hit()
            return local
        }
        let (upstream, client, repository) = upstream(name)
        let fetched: FetchedManifest
        do {
            fetched = try await manifestFetches.run(key) {
                try await client.fetchManifest(repository: repository, reference: reference.description)
            }
        } catch ModelGetError.manifestUnknown {
            throw DistributionError.manifestUnknown("\(name.spelled):\(reference)")
        } catch {
            if let local {
                metrics.hit()
                return local
            }
            throw DistributionError.upstream("\(upstream.url.absoluteString): \(error)")
        }
        checked.withLock { $0[key] = .now }
        if let local, local.digest == fetched.digest {
            metrics.hit()
            return local
        }
        metrics.miss()
        if case let .image(manifest) = fetched.document {
            declaredSizes.withLock { sizes in
                for blob in manifest.blobs { sizes[blob.digest] = blob.size }
            }
        }
        if case let .tag(tag) = reference, case let .image(manifest) = fetched.document {
            let (host, namespace, model) = storedSpelling(name)
            let reference = Reference(host: host, namespace: namespace, name: model, tag: tag, digest: nil)
            waiting.withLock { $0[key] = (reference, fetched, manifest.blobs) }
            await storeCompleteManifests()
        }
        return StoredManifest(data: fetched.data, digest: fetched.digest, mediaType: fetched.mediaType)
    }

    /// A stored manifest is fresh while its file, or its last check, is younger than the TTL.
    private func isFresh(_ key: String, name: ServedName, reference: DistributionRoute.ManifestReference) -> Bool {
        if let last = checked.withLock({ $0[key] }), ContinuousClock.now - last < manifestTTL { return true }
        guard let directory = try? lookup.modelDirectory(name), let file = try? lookup.manifestFile(in: directory, tag: reference.description),
              let modified = (try? FileManager.default.attributesOfItem(atPath: file))?[.modificationDate] as? Date else { return false }
        return Date().timeIntervalSince(modified) < Double(manifestTTL.components.seconds)
    }

    /// Writes every waiting manifest whose blobs are all in the store,
    /// checked and written under the store lock (shared), so a prune cannot
    /// take a blob between the check and the manifest. A blob pruned
    /// earlier, before its manifest could be written, is fetched again by
    /// the next request for it.
    private func storeCompleteManifests() async {
        _ = try? await store.whileWriting { lease in
            let ready = waiting.withLock { waiting -> [(Reference, FetchedManifest)] in
                let done = waiting.filter { _, entry in entry.2.allSatisfy(store.hasBlob) }
                for key in done.keys { waiting[key] = nil }
                return done.values.map { ($0.0, $0.1) }
            }
            for (reference, fetched) in ready {
                try? store.writeManifest(fetched.data, for: reference, under: lease)
            }
        }
    }

    /// Host, namespace and model as already spelled on disk (ollama
    /// matches them ignoring case, so a second spelling must not appear),
    /// else as the client spelled them.
    private func storedSpelling(_ name: ServedName) -> (String, String, String) {
        var directory = store.manifestsDirectory
        var parts: [String] = []
        for part in [name.host, name.namespace, name.model] {
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
            let spelled = entries.contains(part) ? part : entries.sorted().first { $0.caseInsensitiveCompare(part) == .orderedSame } ?? part
            parts.append(spelled)
            directory += "/" + spelled
        }
        return (parts[0], parts[1], parts[2])
    }

    // MARK: blobs

    /// A blob the store lacks: joins (or starts) its fetch and streams it.
    func blob(_ name: ServedName, _ digest: Digest, request: Request, head: Bool,
              headers base: HTTPFields) async throws -> Response {
        let flight = try join(name, digest)
        let size = try await flight.size()
        var headers = base
        if head {
            headers[.contentLength] = String(size)
            return Response(status: .ok, headers: headers)
        }
        let range: Range<Int64>
        let status: HTTPResponse.Status
        switch ByteRangeRequest(header: request.headers[.range], size: size) {
        case .unsatisfiable:
            headers[.contentRange] = "bytes */\(size)"
            headers[.contentLength] = "0"
            return Response(status: .rangeNotSatisfiable, headers: headers)
        case .whole:
            (range, status) = (0..<size, .ok)
        case let .partial(bytes):
            // A part of a blob is served only once all of it is verified:
            // its bytes could not be checked on their own.
            _ = try await flight.available(beyond: size - 1)
            (range, status) = (bytes.lowerBound..<(bytes.upperBound + 1), .partialContent)
            headers[.contentRange] = "bytes \(bytes.lowerBound)-\(bytes.upperBound)/\(size)"
        }
        headers[.contentLength] = String(range.count)
        return Response(status: status, headers: headers, body: ResponseBody(contentLength: range.count) { writer in
            guard let fd = flight.openForReading() else { throw flight.failure() }
            defer { close(fd) }
            var offset = range.lowerBound
            while offset < range.upperBound {
                let readable = try await flight.available(beyond: offset)
                let count = Int(min(readable, range.upperBound, offset + Int64(FileChunks.chunkSize)) - offset)
                let start = offset
                let buffer = try await BlockingWork.run { () throws -> ByteBuffer in
                    var buffer = ByteBufferAllocator().buffer(capacity: count)
                    let read = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: count) { pointer in
                        max(0, pread(fd, pointer.baseAddress, count, off_t(start)))
                    }
                    guard read > 0 else { throw flight.failure() }
                    return buffer
                }
                offset += Int64(buffer.readableBytes)
                try await writer.write(buffer)
            }
            try await writer.finish(nil)
        })
    }

    /// The running fetch of `digest`, or a new one.
    private func join(_ name: ServedName, _ digest: Digest) throws -> BlobFlight {
        let (_, client, repository) = upstream(name, forBlobs: true)
        let (flight, isNew) = try flights.withLock { flights -> (BlobFlight, Bool) in
            if let flight = flights[digest] { return (flight, false) }
            let flight = try BlobFlight(digest: digest, store: store, metrics: metrics,
                                        declaredSize: declaredSizes.withLock { $0[digest] }, maximumSize: maximumUndeclaredBlobSize,
                                        rateLimiter: rateLimiter)
            flights[digest] = flight
            return (flight, true)
        }
        guard isNew else {
            metrics.hit()
            return flight
        }
        metrics.miss()
        Task {
            await flight.run(client: client, repository: repository, retry: retry)
            flights.withLock { if $0[digest] === flight { $0[digest] = nil } }
            if flight.outcome == .stored { await storeCompleteManifests() }
        }
        return flight
    }
}
