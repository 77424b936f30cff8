import Foundation

extension RegistryClient {
    /// `GET /v2/<repository>/tags/list`: the repository's tags as the
    /// registry lists them on its first page, or nil when it does not know
    /// the repository (404).
    public func listTags(repository: String) async throws -> [String]? {
        try await tagPage(url(repository, "tags/list"), repository: repository)?.tags
    }

    /// Every tag of `repository`, following the `Link: <…>; rel="next"`
    /// header from page to page (on this registry's origin only, at most
    /// `maximumTagPages` pages), or nil when the registry does not know the
    /// repository (404).
    public func listAllTags(repository: String) async throws -> [String]? {
        var next: URL? = url(repository, "tags/list")
        var tags: [String] = []
        var seen = Set<String>()
        var pages = 0
        while let page = next {
            guard seen.insert(page.absoluteString).inserted, pages < Self.maximumTagPages else { break }
            pages += 1
            guard let answer = try await tagPage(page, repository: repository) else { return pages == 1 ? nil : tags }
            tags += answer.tags
            next = answer.next.flatMap { isRegistryOrigin($0) ? $0 : nil }
        }
        return tags
    }

    /// The most pages `listAllTags` reads (a registry that links pages in a circle stops sooner).
    static let maximumTagPages = 10_000

    /// One page of a tag list: its tags and the next page's URL, if any.
    private func tagPage(_ url: URL, repository: String) async throws -> (tags: [String], next: URL?)? {
        var request = request(.get, url, headers: ["Accept": "application/json"])
        request.bodyDescription = "tag list"
        let response = try await authorizedSend(request, scopes: [Self.pullScope(repository)])
        if response.status == 404 { return nil }
        guard response.status == 200 else { throw RegistryErrorBody.error(for: response, url: url) }
        struct TagList: Decodable { var tags: [String]? }
        guard let list = try? JSONDecoder().decode(TagList.self, from: response.body) else {
            throw ModelGetError.http(status: response.status, url: url.redacted, code: nil, message: "the tag list is not JSON")
        }
        let next = try response.checkedHeader("Link").flatMap { Self.nextLink(in: $0, relativeTo: url) }
        return (list.tags ?? [], next)
    }

    /// The target of the `rel="next"` entry of a `Link` header (RFC 8288), resolved against `base`.
    static func nextLink(in header: String, relativeTo base: URL) -> URL? {
        for entry in header.split(separator: ",") {
            guard let open = entry.firstIndex(of: "<"), let close = entry[open...].firstIndex(of: ">") else { continue }
            let parameters = entry[entry.index(after: close)...].split(separator: ";").map {
                $0.trimmingCharacters(in: .whitespaces).lowercased().replacingOccurrences(of: "\"", with: "")
            }
            guard parameters.contains("rel=next") else { continue }
            return URL(string: String(entry[entry.index(after: open)..<close]), relativeTo: base)?.absoluteURL
        }
        return nil
    }
}
