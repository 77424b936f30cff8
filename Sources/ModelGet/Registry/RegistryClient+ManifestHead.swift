import Foundation

/// What a registry says a tag points at now, without any blob.
public struct ManifestHead: Sendable, Equatable {
    /// The digest of the manifest (or index) the tag names.
    public var digest: Digest
    /// Its media type, when the registry said.
    public var mediaType: String?
    /// For an index: the digests of the manifests it lists (a stored
    /// model holds the one of its platform).
    public var entries: [Digest]

    /// True when a stored manifest with digest `stored` is what the tag names.
    public func names(_ stored: Digest) -> Bool { digest == stored || entries.contains(stored) }
}

extension RegistryClient {
    /// `HEAD /v2/<repository>/manifests/<reference>`: the digest from
    /// `Docker-Content-Digest`. A registry that refuses `HEAD` (ollama's
    /// answers 405) or names no digest is asked with `GET`, whose body (a
    /// manifest, never a blob) is hashed; an index is read to list its entries.
    public func manifestHead(repository: String, reference: String) async throws -> ManifestHead {
        let url = url(repository, "manifests/\(reference)")
        var request = request(.head, url, headers: ["Accept": MediaType.manifestTypes.joined(separator: ", ")])
        request.bodyDescription = "manifest"
        let response = try await authorizedSend(request, scopes: [Self.pullScope(repository)])
        if response.status == 404 { throw ModelGetError.manifestUnknown(reference: "\(host)/\(repository):\(reference)") }
        let mediaType = response.headers["Content-Type"].map { String($0.split(separator: ";")[0]).trimmingCharacters(in: .whitespaces) }
        if response.status == 200, let digest = response.headers["Docker-Content-Digest"].flatMap({ try? Digest($0) }),
           let mediaType, !MediaType.isIndex(mediaType) {
            return ManifestHead(digest: digest, mediaType: mediaType, entries: [])
        }
        // No usable HEAD, or an index whose entries matter: the document itself.
        let fetched = try await fetchManifest(repository: repository, reference: reference)
        var entries: [Digest] = []
        if case let .index(index) = fetched.document { entries = index.manifests.map(\.digest) }
        return ManifestHead(digest: fetched.digest, mediaType: fetched.mediaType, entries: entries)
    }
}
