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
        var url = url(repository, "manifests/\(reference)")
        var response: HTTPResponse
        var hops = 0
        repeat {
            var request = request(.get, url, headers: ["Accept": MediaType.manifestTypes.joined(separator: ", ")])
            request.maximumBodySize = ManifestDocument.maximumSize
            request.bodyDescription = "manifest"
            response = try await authorizedSend(request, scopes: [Self.pullScope(repository)])
            hops += 1
            // hf.co answers with a 307 to huggingface.co, which serves the API from then on.
            guard hops < 3, let moved = movedToPartner(response, from: url) else { break }
            url = moved
        } while true
        if response.status == 404 {
            throw ModelGetError.manifestUnknown(reference: "\(host)/\(repository):\(reference)")
        }
        if (300..<400).contains(response.status) {
            let target = response.headers["Location"].flatMap { URL(string: $0, relativeTo: url)?.absoluteURL }
            throw ModelGetError.http(status: response.status, url: url.redacted, code: nil, message:
                "redirected to \(target?.hostAndPort ?? "nowhere"); a registry may move only to its partner host over HTTPS (hf.co → huggingface.co)")
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
    /// the entry for `platform` (`ImageIndex.entry(for:)`).
    public func resolveImage(repository: String, reference: String, platform: Platform = .current) async throws -> (FetchedManifest, ImageManifest) {
        let fetched = try await fetchManifest(repository: repository, reference: reference)
        switch fetched.document {
        case let .image(manifest):
            return (fetched, manifest)
        case let .index(index):
            let chosen = try index.entry(for: platform)
            let child = try await fetchManifest(repository: repository, reference: chosen.digest.description)
            guard case let .image(manifest) = child.document else {
                throw ModelGetError.invalidManifest(reason: "index entry \(chosen.digest) is not an image manifest")
            }
            return (child, manifest)
        }
    }

    /// `GET /v2/<repository>/blobs/<digest>`, streaming the whole body
    /// into `sink` (redirects as `fetchBlobRange` follows them); a
    /// response other than 2xx becomes the registry's error.
    package func fetchBlob(repository: String, digest: Digest, sink: ResponseBodySink) async throws -> HTTPResponse {
        let response = try await fetchBlobRange(repository: repository, digest: digest, range: nil, sink: sink)
        guard (200..<300).contains(response.status) else { throw RegistryErrorBody.error(for: response, url: response.url) }
        return response
    }
}
