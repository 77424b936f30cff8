import Foundation

/// A manifest as the registry served it.
public struct FetchedManifest: Sendable {
    /// The exact bytes served; stored byte for byte.
    public var data: Data
    /// The media type, from the body (else the `Content-Type`).
    public var mediaType: String
    /// The SHA-256 of `data`.
    public var digest: Digest
    /// The decoded document.
    public var document: ManifestDocument
}

extension RegistryClient {
    /// `GET /v2/<repository>/manifests/<reference>` with every manifest type
    /// in `Accept`. The body is size-capped before parsing, and checked
    /// against the digest when the reference is one.
    public func fetchManifest(repository: String, reference: String) async throws -> FetchedManifest {
        let url = url(repository, "manifests/\(reference)")
        var request = request(.get, url, headers: ["Accept": MediaType.manifestTypes.joined(separator: ", ")])
        request.maximumBodySize = ManifestDocument.maximumSize
        let response: HTTPResponse
        do {
            response = try await authorizedSend(request, scopes: [Self.pullScope(repository)])
        } catch let ModelGetError.network(_, reason) where reason.hasPrefix("response body larger") {
            throw ModelGetError.manifestTooLarge(limit: ManifestDocument.maximumSize)
        }
        if response.status == 404 {
            throw ModelGetError.manifestUnknown(reference: "\(host)/\(repository):\(reference)")
        }
        guard response.status == 200 else { throw RegistryErrorBody.error(for: response, url: url) }
        let digest = try Digest(hex: SHA256Hasher.hex(of: response.body))
        if reference.hasPrefix("sha256:"), reference != digest.description {
            throw ModelGetError.digestMismatch(digest: reference, actual: digest.hex)
        }
        let (document, mediaType) = try ManifestDocument.decode(response.body, contentType: response.headers["Content-Type"])
        return FetchedManifest(data: response.body, mediaType: mediaType, digest: digest, document: document)
    }

    /// Resolves a reference to an image manifest: an index is followed to
    /// the entry for `platform` (or its only entry).
    public func resolveImage(repository: String, reference: String, platform: Platform = .current) async throws -> (FetchedManifest, ImageManifest) {
        let fetched = try await fetchManifest(repository: repository, reference: reference)
        switch fetched.document {
        case let .image(manifest):
            return (fetched, manifest)
        case let .index(index):
            let entries = index.manifests.filter { !MediaType.isIndex($0.mediaType) }
            let chosen = entries.count == 1 ? entries[0] : entries.first { $0.platform.map(platform.matches) ?? false }
            guard let chosen else {
                throw ModelGetError.noMatchingPlatform(wanted: platform.description,
                                                       available: entries.compactMap { $0.platform?.description })
            }
            let child = try await fetchManifest(repository: repository, reference: chosen.digest.description)
            guard case let .image(manifest) = child.document else {
                throw ModelGetError.invalidManifest(reason: "index entry \(chosen.digest) is not an image manifest")
            }
            return (child, manifest)
        }
    }

    /// `GET /v2/<repository>/blobs/<digest>`, streaming the body into
    /// `sink`. Redirects are followed by hand: the `Authorization` header
    /// goes only to the registry's own origin, never to a CDN. `offset`
    /// asks for the bytes from there on (`Range`); the sink checks what came.
    public func fetchBlob(repository: String, digest: Digest, offset: Int64 = 0, sink: ResponseBodySink) async throws -> HTTPResponse {
        var url = url(repository, "blobs/\(digest)")
        for _ in 0..<6 {
            var request = request(.get, url)
            if offset > 0 { request.range = (offset, nil) }
            let response = isRegistryOrigin(url)
                ? try await authorizedSend(request, scopes: [Self.pullScope(repository)], sink: sink)
                : try await http.send(request, sink: sink, uploadObserver: nil)
            guard [301, 302, 303, 307, 308].contains(response.status) else {
                guard (200..<300).contains(response.status) else {
                    throw RegistryErrorBody.error(for: response, url: url)
                }
                return response
            }
            guard let location = response.headers["Location"], let next = URL(string: location, relativeTo: url)?.absoluteURL,
                  let scheme = next.scheme?.lowercased(), scheme == "https" || scheme == "http" else {
                throw ModelGetError.http(status: response.status, url: url.redacted, code: nil, message: "redirect without a usable Location")
            }
            guard scheme == "https" || insecure else { throw ModelGetError.insecureRegistry(host: next.hostAndPort) }
            url = next
        }
        throw ModelGetError.network(url: url.redacted, reason: "too many redirects")
    }
}
