import Foundation

extension RegistryClient {
    /// How `POST /v2/<repository>/blobs/uploads/` answered.
    package enum UploadStart: Sendable, Equatable {
        /// `201`: the blob was mounted from another repository; nothing to send.
        case mounted
        /// `202`: an upload session, at this URL. `redirects` when the registry
        /// named it in `Docker-Upload-Location`, as registry.ollama.ai does: it
        /// takes parts by the redirect-upload protocol (see `uploadChunk`).
        case session(URL, redirects: Bool)
    }

    /// How a registry answered one `PATCH` of an upload.
    package enum ChunkAnswer: Sendable, Equatable {
        /// `202`: the registry holds the bytes; the session continues at this URL.
        case accepted(URL)
        /// `307` (ollama's redirect uploads): the part goes by `PUT` to
        /// `storage` (a presigned URL, no credentials); the session continues
        /// at `next` (`Docker-Upload-Location`).
        case redirected(next: URL, storage: URL)
    }

    /// The token scopes of a push to `repository`: `pull,push` there and,
    /// when blobs are mounted from another repository, `pull` on that one,
    /// in the same token (distribution refuses a mount with 401
    /// `insufficient_scope` otherwise).
    package static func pushScopes(_ repository: String, mountFrom: String?) -> [String] {
        var scopes = ["repository:\(repository):pull,push"]
        if let mountFrom, mountFrom != repository { scopes.append(pullScope(mountFrom)) }
        return scopes
    }

    /// Authenticates once with `scopes` before concurrent uploads start, so
    /// that 64 first requests do not each answer their own challenge. It
    /// lists tags (a small body, so a refusal carries the registry's error
    /// code); a missing repository is fine.
    package func authenticate(repository: String, scopes: [String]) async throws {
        let url = url(repository, "tags/list")
        let response = try await authorizedSend(request(.get, url), scopes: scopes)
        if response.status == 401 { throw RegistryErrorBody.error(for: response, url: url) }
    }

    /// `HEAD /v2/<repository>/blobs/<digest>`: true when the registry holds it.
    package func blobExists(repository: String, digest: Digest, scopes: [String]) async throws -> Bool {
        let url = url(repository, "blobs/\(digest)")
        let response = try await authorizedSend(request(.head, url), scopes: scopes)
        switch response.status {
        case 200..<300: return true
        case 404: return false
        default: throw RegistryErrorBody.error(for: response, url: url)
        }
    }

    /// `POST /v2/<repository>/blobs/uploads/`, with `?mount=<digest>&from=<repo>`
    /// when `mount` names a blob held in another repository of this registry.
    package func startUpload(repository: String, mount: (digest: Digest, from: String)? = nil,
                            scopes: [String]) async throws -> UploadStart {
        var url = url(repository, "blobs/uploads/")
        if let mount, var components = URLComponents(url: url, resolvingAgainstBaseURL: false) {
            components.queryItems = [URLQueryItem(name: "mount", value: mount.digest.description),
                                     URLQueryItem(name: "from", value: mount.from)]
            url = components.url ?? url
        }
        let response = try await authorizedSend(request(.post, url, body: .data(Data())), scopes: scopes)
        switch response.status {
        case 201 where mount != nil:
            return .mounted
        case 202:
            return .session(try sessionLocation(response, url: url), redirects: try response.checkedHeader("Docker-Upload-Location") != nil)
        default:
            throw RegistryErrorBody.error(for: response, url: url)
        }
    }

    /// `PATCH` one chunk (`length` bytes of the open blob `bytes` from
    /// `offset`) into a session, offering ollama's redirect uploads
    /// (`X-Redirect-Uploads: 1`, as server/upload.go sends it): a plain
    /// registry takes the bytes (202), registry.ollama.ai answers 307 with
    /// where the part goes instead.
    package func uploadChunk(session: URL, bytes: any RandomAccessReader, offset: Int64, length: Int64, scopes: [String],
                            observer: UploadProgressObserver? = nil) async throws -> ChunkAnswer {
        let headers: HTTPHeaders = ["Content-Type": "application/octet-stream", "X-Redirect-Uploads": "1",
                                    "Content-Range": "\(offset)-\(offset + length - 1)"]
        let request = request(.patch, session, headers: headers, body: .reader(bytes, offset: offset, length: length))
        let response = try await authorizedSend(request, scopes: scopes, uploadObserver: observer)
        switch response.status {
        case 202:
            return .accepted(try sessionLocation(response, url: session))
        case 307:
            guard let nextValue = try response.checkedHeader("Docker-Upload-Location"),
                  let next = UploadLocation.resolve(nextValue, against: session),
                  let storageValue = try response.checkedHeader("Location"),
                  let storage = UploadLocation.resolve(storageValue, against: session) else {
                throw ModelGetError.http(status: 307, url: session.redacted, code: nil,
                                         message: "redirect upload without Docker-Upload-Location and Location")
            }
            for url in [next, storage] where url.scheme?.lowercased() != "https" && !insecure {
                throw ModelGetError.insecureRegistry(host: url.hostAndPort)
            }
            return .redirected(next: next, storage: storage)
        default:
            throw RegistryErrorBody.error(for: response, url: session)
        }
    }

    /// `PUT`s one part to the presigned storage URL a redirect upload named,
    /// with no `Authorization` (the URL carries its own signature).
    package func putPart(storage: URL, bytes: any RandomAccessReader, offset: Int64, length: Int64,
                        observer: UploadProgressObserver? = nil) async throws {
        let request = request(.put, storage, headers: ["Content-Type": "application/octet-stream"],
                              body: .reader(bytes, offset: offset, length: length))
        let response = try await http.send(request, sink: nil, uploadObserver: observer)
        guard (200..<300).contains(response.status) else { throw RegistryErrorBody.error(for: response, url: storage) }
    }

    /// The final `PUT <session>&digest=<digest>`, with the rest of the
    /// bytes as `body` (the whole blob for a monolithic upload, nothing
    /// after chunks). The registry checks the digest before it answers 201.
    /// After redirected parts, `etag` is ollama's `<hex md5 of the part
    /// md5s>-<part count>`, added as `&etag=`.
    package func finishUpload(session: URL, digest: Digest, etag: String? = nil, body: HTTPRequest.Body, scopes: [String],
                             observer: UploadProgressObserver? = nil) async throws {
        var url = UploadLocation.appendingDigest(digest, to: session)
        if let etag, let tagged = URL(string: url.absoluteString + "&etag=" + etag) { url = tagged }
        let request = request(.put, url, headers: ["Content-Type": "application/octet-stream"], body: body)
        let response = try await authorizedSend(request, scopes: scopes, uploadObserver: observer)
        guard response.status == 201 else { throw RegistryErrorBody.error(for: response, url: url) }
    }

    /// `GET` on a session URL: how many bytes it holds (from `Range: 0-N`,
    /// no `bytes` prefix) and its newest URL; nil when the session is gone
    /// (404, as after a stale or cancelled session).
    package func uploadStatus(session: URL, scopes: [String]) async throws -> (session: URL, offset: Int64)? {
        let response = try await authorizedSend(request(.get, session), scopes: scopes)
        if response.status == 404 { return nil }
        guard response.status == 204 || response.status == 200 else {
            throw RegistryErrorBody.error(for: response, url: session)
        }
        guard let offset = Self.uploadedBytes(range: response.headers["Range"]) else {
            throw ModelGetError.http(status: response.status, url: session.redacted, code: nil,
                                     message: "upload status without a usable Range header")
        }
        let next = try response.checkedHeader("Location").flatMap { UploadLocation.resolve($0, against: session) } ?? session
        return (next, offset)
    }

    /// The byte count an upload's `Range: 0-N` reports: N + 1. Distribution
    /// also answers `0-0` for an empty session; modelget only ever stops
    /// between whole chunks (never after one byte), so `0-0` means 0.
    static func uploadedBytes(range: String?) -> Int64? {
        guard var text = range?.trimmingCharacters(in: .whitespaces) else { return nil }
        if text.hasPrefix("bytes=") { text.removeFirst(6) }
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, parts[0] == "0", let last = Int64(parts[1]), last >= 0, last < Int64.max else { return nil }
        return last == 0 ? 0 : last + 1
    }

    /// `PUT /v2/<repository>/manifests/<reference>` with the manifest's own
    /// media type, byte for byte; returns the digest the registry reports.
    package func putManifest(repository: String, reference: String, data: Data, mediaType: String,
                            scopes: [String]) async throws -> String? {
        let url = url(repository, "manifests/\(reference)")
        let request = request(.put, url, headers: ["Content-Type": mediaType], body: .data(data))
        let response = try await authorizedSend(request, scopes: scopes)
        guard response.status == 201 || response.status == 200 else {
            throw RegistryErrorBody.error(for: response, url: url)
        }
        return response.headers["Docker-Content-Digest"]
    }

    /// The session URL in a response's `Docker-Upload-Location` (ollama's
    /// registry) or `Location`, resolved and checked: plain HTTP only for an
    /// insecure registry.
    private func sessionLocation(_ response: HTTPResponse, url: URL) throws -> URL {
        guard let value = try response.checkedHeader("Docker-Upload-Location") ?? response.checkedHeader("Location"), let next = UploadLocation.resolve(value, against: url) else {
            throw ModelGetError.http(status: response.status, url: url.redacted, code: nil,
                                     message: "upload answer without a usable Location")
        }
        guard next.scheme?.lowercased() == "https" || insecure else {
            throw ModelGetError.insecureRegistry(host: next.hostAndPort)
        }
        return next
    }
}
