import Foundation

/// The places one image is read from, in order: its mirrors, then its
/// registry (`SourceRouter`). The manifest comes from the first that has
/// it (for a tag, a mirror is trusted to name the current manifest, as
/// podman trusts it); each blob then comes from that source or, when it
/// fails, the next ones (`BlobSource`), its bytes verified whatever
/// served them. Made with a client alone, it is that registry only.
public final class PullSources: Sendable {
    /// The name the image is known by (and stored under).
    public let reference: Reference
    let endpoints: [RegistryEndpoint]
    private let router: SourceRouter?
    private let origin: RegistryClient?

    init(reference: Reference, endpoints: [RegistryEndpoint], router: SourceRouter?, origin: RegistryClient? = nil) {
        self.reference = reference
        self.endpoints = endpoints
        self.router = router
        self.origin = origin
    }

    /// `client`'s registry alone, for `reference` (its repository, tag and digest).
    public convenience init(client: RegistryClient, reference: Reference) {
        self.init(reference: reference, endpoints: [RegistryEndpoint(reference: reference, insecure: client.insecure)],
                  router: nil, origin: client)
    }

    /// `client`'s registry alone, for the blobs of `repository`.
    public convenience init(client: RegistryClient, repository: String) {
        self.init(client: client, reference: Reference(host: client.host, namespace: "", name: repository, tag: nil, digest: nil))
    }

    /// How many sources there are; the last is the registry.
    var count: Int { endpoints.count }

    /// The client of source `index`.
    func client(at index: Int) async throws -> RegistryClient {
        if let origin, index == endpoints.count - 1 { return origin }
        guard let router else { throw ModelGetError.network(url: endpoints[index].name, reason: "no client for this source") }
        return try await router.client(for: endpoints[index])
    }

    /// The repository as source `index` names it.
    func repository(at index: Int) -> String { endpoints[index].reference.repository }

    /// True for a mirror, false for the registry.
    func isMirror(at index: Int) -> Bool { endpoints[index].isMirror }

    /// `host/repository` of source `index`, for notes.
    func name(at index: Int) -> String { endpoints[index].name }

    /// True for a mirror found down earlier in the operation.
    func isDown(at index: Int) -> Bool { endpoints[index].isMirror && (router?.isDown(endpoints[index]) ?? false) }

    /// Records that mirror `index` did not answer.
    func markDown(at index: Int, because error: Error) { router?.markDown(endpoints[index], because: error) }

    /// Says `text` (once per `key` when given).
    func note(_ text: String, once key: String? = nil) { router?.note(text, once: key) }

    /// The sources from `index` on.
    func starting(at index: Int) -> PullSources {
        index == 0 ? self : PullSources(reference: reference, endpoints: Array(endpoints[index...]), router: router, origin: origin)
    }

    /// The image manifest of `reference` (an index followed to
    /// `platform`'s entry) from the first source that has it, and the
    /// sources from that one on. A mirror that fails hands over to the
    /// next source (with a note); the registry's failure is the error.
    public func resolveImage(platform: Platform = .current) async throws -> (FetchedManifest, ImageManifest, PullSources) {
        try await firstAnswer { client, endpoint in
            try await client.resolveImage(repository: endpoint.reference.repository, reference: endpoint.reference.manifestReference,
                                          platform: platform)
        } then: { answer, index in (answer.0, answer.1, self.starting(at: index)) }
    }

    /// The digest and media type the first source that answers gives for
    /// `reference` (`HEAD`, without reading a blob; see `RegistryClient.manifestHead`).
    public func manifestHead() async throws -> ManifestHead {
        try await firstAnswer { client, endpoint in
            try await client.manifestHead(repository: endpoint.reference.repository, reference: endpoint.reference.manifestReference)
        } then: { head, _ in head }
    }

    /// `ask` of each source in turn until one answers.
    private func firstAnswer<Answer, Result>(_ ask: (RegistryClient, RegistryEndpoint) async throws -> Answer,
                                             then: (Answer, Int) -> Result) async throws -> Result {
        for index in endpoints.indices {
            let endpoint = endpoints[index]
            let last = index == endpoints.count - 1
            if !last && isDown(at: index) { continue }
            do {
                return then(try await ask(try await client(at: index), endpoint), index)
            } catch {
                if last || error is CancellationError || (error as? ModelGetError) == .cancelled { throw error }
                if case ModelGetError.network = error {
                    // No answer (not reachable, no TLS, silent): down for the whole operation.
                    markDown(at: index, because: error)
                } else {
                    note("mirror \(endpoint.name): \(error); reading from the next source", once: endpoint.reference.host)
                }
            }
        }
        throw ModelGetError.manifestUnknown(reference: reference.description)
    }
}
