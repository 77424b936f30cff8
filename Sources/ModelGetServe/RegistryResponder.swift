import Foundation
import HTTPTypes
import Hummingbird
import ModelGet
import NIOCore

/// Answers the read side of the distribution API from the store (and,
/// with upstreams, through the pull-through cache), logging and counting
/// every request.
struct RegistryResponder: HTTPResponder {
    typealias Context = ServeRequestContext

    let lookup: StoreLookup
    let defaultHost: String
    /// Blob bodies go out from the file (`FileRegionSender`: `sendfile`, big ones copied to a client on this machine) without TLS, else in chunks.
    let sendfile: Bool
    let htpasswd: HtpasswdFile?
    /// With `htpasswd`: failed attempts per client address.
    let failedLogins: FailedLoginLimit
    let signer: BlobLinkSigner
    let metrics: ServeMetrics
    let log: AccessLog
    /// Where a `sendfile` body reports that it has left.
    let completions: SendCompletions
    /// With `--upstream`: what the store lacks is fetched through it.
    let cache: PullThroughCache?

    func respond(to request: Request, context: Context) async throws -> Response {
        let started = ContinuousClock.now
        let head = request.method == .head
        var response: Response
        do {
            response = try await answer(request, client: context.remoteAddress?.ipAddress ?? "-")
        } catch let error as DistributionError {
            response = error.response(head: head)
        } catch {
            // The detail (it may name files) goes to the server's log, not to the client.
            log.error("\(request.method.rawValue) \(request.uri.path): \(error)")
            response = DistributionError(status: .internalServerError, code: "UNKNOWN", message: "internal error").response(head: head)
        }
        response.headers[.dockerDistributionAPIVersion] = "registry/2.0"
        let status = Int(response.status.code)
        let entry = { @Sendable (sent: Int64) in
            let ms = Int((ContinuousClock.now - started) / .milliseconds(1))
            metrics.request(method: request.method.rawValue, status: status, bytes: sent)
            log.record(.init(time: AccessLog.timestamp(), method: request.method.rawValue, path: request.uri.path,
                             status: status, bytes: sent, ms: ms, client: context.remoteAddress?.ipAddress ?? "-"))
        }
        if response.headers[FileRegionSender.header] != nil {
            // A sendfile body: logged when the kernel has sent its last byte.
            let key = completions.register { sent in entry(sent) }
            response.headers[FileRegionSender.header] = "\(key) " + (response.headers[FileRegionSender.header] ?? "")
            return response
        }
        let body = response.body
        response.body = ResponseBody(contentLength: body.contentLength) { writer in
            let counting = CountingBodyWriter(base: writer)
            do {
                try await body.write(counting)
                entry(counting.count.value)
            } catch {
                entry(counting.count.value)
                throw error
            }
        }
        return response
    }

    private func answer(_ request: Request, client: String) async throws -> Response {
        let path = request.head.path.map { $0.split(separator: "?", maxSplits: 1).first ?? "" } ?? ""
        let route = try DistributionRoute.parse(path, defaultHost: defaultHost)
        let query = request.uri.queryParameters
        if case let .blob(name, digest) = route, request.method == .get || request.method == .head,
           signer.isValid(name: name, digest: digest, expires: query["expires"].map(String.init),
                          signature: query["signature"].map(String.init), generation: htpasswd?.fingerprint ?? "") {
            // A signed link (handed to ollama by a 307): no credentials needed.
            return try await blob(name, digest, request: request, signedLink: true)
        }
        if let htpasswd {
            if let wait = failedLogins.retryAfter(client) { throw DistributionError.tooManyFailedLogins(retryAfter: wait) }
            let authorization = request.headers[.authorization]
            if await !htpasswd.accepts(authorization: authorization) {
                if authorization != nil { failedLogins.recordFailure(client) }
                throw DistributionError.unauthorized
            }
        }
        guard let route else { throw DistributionError.notFound }
        if route == .upload { throw DistributionError.unsupported(request.method) }
        guard request.method == .get || request.method == .head else { throw DistributionError.unsupported(request.method) }
        switch route {
        case .base:
            return json(Data("{}".utf8), head: request.method == .head)
        case .metrics:
            var headers: HTTPFields = [.contentType: "text/plain; version=0.0.4"]
            let text = metrics.render()
            headers[.contentLength] = String(text.count)
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: text)))
        case .catalog:
            let page = try Page(try lookup.repositories(defaultHost: defaultHost), query: query, path: "/v2/_catalog")
            var response = json(try JSONEncoder().encode(["repositories": page.items]), head: request.method == .head)
            if let link = page.link { response.headers[.link] = link }
            return response
        case let .tags(name):
            let tags = try await tags(of: name)
            let page = try Page(tags, query: query, path: "/v2/\(name.spelled)/tags/list")
            var response = json(try JSONEncoder().encode(TagList(name: name.spelled, tags: page.items)), head: request.method == .head)
            if let link = page.link { response.headers[.link] = link }
            return response
        case let .manifest(name, reference):
            return try await manifest(name, reference, head: request.method == .head)
        case let .blob(name, digest):
            return try await blob(name, digest, request: request, signedLink: false)
        case .upload:
            throw DistributionError.unsupported(request.method)
        }
    }

    // MARK: tags and manifests

    private func tags(of name: ServedName) async throws -> [String] {
        guard let directory = try lookup.modelDirectory(name) else {
            if let cache, cache.covers(name) { return try await cache.tags(name) }
            throw DistributionError.nameUnknown(name.spelled)
        }
        return try lookup.tags(in: directory)
    }

    private func manifest(_ name: ServedName, _ reference: DistributionRoute.ManifestReference, head: Bool) async throws -> Response {
        let manifest: StoredManifest
        if let cache, cache.covers(name) {
            manifest = try await cache.manifest(name, reference) { try storedManifest(name, reference) }
        } else {
            manifest = try storedManifest(name, reference)
            metrics.hit()
        }
        var headers: HTTPFields = [
            .contentType: manifest.mediaType,
            .dockerContentDigest: manifest.digest.description,
            .eTag: "\"\(manifest.digest)\"",
            .contentLength: String(manifest.data.count),
        ]
        headers[.cacheControl] = reference.isDigest ? "max-age=31536000" : "no-cache"
        return Response(status: .ok, headers: headers, body: head ? ResponseBody() : ResponseBody(byteBuffer: ByteBuffer(bytes: manifest.data)))
    }

    /// A manifest of the store by tag, or by digest among the name's tags.
    func storedManifest(_ name: ServedName, _ reference: DistributionRoute.ManifestReference) throws -> StoredManifest {
        guard let directory = try lookup.modelDirectory(name) else { throw DistributionError.nameUnknown(name.spelled) }
        switch reference {
        case let .tag(tag):
            guard let file = try lookup.manifestFile(in: directory, tag: tag), let manifest = try StoredManifest(path: file) else {
                throw DistributionError.manifestUnknown("\(name.spelled):\(tag)")
            }
            return manifest
        case let .digest(digest):
            for tag in try lookup.tags(in: directory) {
                if let manifest = try StoredManifest(path: directory + "/" + tag), manifest.digest == digest { return manifest }
            }
            throw DistributionError.manifestUnknown("\(name.spelled)@\(digest)")
        }
    }

    // MARK: blobs

    private func blob(_ name: ServedName, _ digest: Digest, request: Request, signedLink: Bool) async throws -> Response {
        let head = request.method == .head
        if !signedLink, !head, request.headers[.range] == nil, OllamaClient.isOllama(request.headers[.userAgent]) {
            // ollama takes blobs only from a redirect (server/download.go).
            guard (try lookup.modelDirectory(name)) != nil || cache?.covers(name) == true else {
                throw DistributionError.nameUnknown(name.spelled)
            }
            let location = "/v2/\(name.spelled)/blobs/\(digest)?"
                + signer.query(name: name, digest: digest, generation: htpasswd?.fingerprint ?? "")
            return Response(status: .temporaryRedirect, headers: [.location: location, .contentLength: "0"])
        }
        let covered = cache?.covers(name) == true
        let stored = signedLink || covered ? nil : try lookup.modelDirectory(name)
        guard signedLink || covered || stored != nil else {
            throw DistributionError.nameUnknown(name.spelled)
        }
        var headers: HTTPFields = [
            .contentType: "application/octet-stream",
            .dockerContentDigest: digest.description,
            .eTag: "\"\(digest)\"",
            .acceptRanges: "bytes",
            .cacheControl: "max-age=31536000",
        ]
        if signedLink, let target = request.head.path {
            // ollama reads the part URL from the final answer's Location.
            headers[.location] = target
        }
        guard let file = try openStoredBlob(digest) else {
            if let cache, covered {
                return try await cache.blob(name, digest, request: request, head: head, headers: headers)
            }
            throw DistributionError.blobUnknown(digest.description)
        }
        let size = file.size
        metrics.hit()
        if head {
            file.close()
            headers[.contentLength] = String(size)
            return Response(status: .ok, headers: headers)
        }
        switch ByteRangeRequest(header: request.headers[.range], size: size) {
        case .unsatisfiable:
            file.close()
            headers[.contentRange] = "bytes */\(size)"
            headers[.contentLength] = "0"
            return Response(status: .rangeNotSatisfiable, headers: headers)
        case .whole:
            return fileResponse(.ok, file, range: 0..<size, headers: headers)
        case let .partial(range):
            headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound)/\(size)"
            return fileResponse(.partialContent, file, range: range.lowerBound..<(range.upperBound + 1), headers: headers)
        }
    }

    /// The stored blob, opened through the store's reader door without
    /// following a link; nil when the store has none (anything but a
    /// regular file there is none), `outOfDescriptors` when it could not
    /// be opened for want of a descriptor.
    private func openStoredBlob(_ digest: Digest) throws -> StoredBlob? {
        do {
            return try lookup.store.openBlob(digest, followingLinks: false)
        } catch {
            try DistributionError.checkDescriptors()
            return nil
        }
    }

    /// The body of `range` of `file`, which it owns from here: without TLS,
    /// a marker `FileRegionSender` turns into `sendfile` (it opens the blob
    /// again on the event loop, so this handle closes now); with TLS, the
    /// chunks `FileChunks` reads from the handle.
    private func fileResponse(_ status: HTTPResponse.Status, _ file: StoredBlob, range: Range<Int64>, headers: HTTPFields) -> Response {
        var headers = headers
        headers[.contentLength] = String(range.count)
        guard !range.isEmpty else {
            file.close()
            return Response(status: status, headers: headers)
        }
        guard sendfile else {
            return Response(status: status, headers: headers, body: FileChunks.body(file, range: range))
        }
        file.close()
        // The key of the completion is put in front by `respond`.
        headers[FileRegionSender.header] = FileRegionSender.marker(digest: file.digest, offset: range.lowerBound, length: Int64(range.count))
        return Response(status: status, headers: headers, body: ResponseBody { writer in try await writer.finish(nil) })
    }

    private func json(_ data: Data, head: Bool) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json; charset=utf-8", .contentLength: String(data.count)],
                 body: head ? ResponseBody() : ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    private struct TagList: Encodable {
        let name: String
        let tags: [String]
    }
}

extension DistributionRoute.ManifestReference {
    var isDigest: Bool {
        if case .digest = self { return true }
        return false
    }
}
