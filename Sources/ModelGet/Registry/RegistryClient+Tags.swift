import Foundation

extension RegistryClient {
    /// `GET /v2/<repository>/tags/list`: the repository's tags as the
    /// registry lists them on its first page, or nil when it does not know
    /// the repository (404).
    public func listTags(repository: String) async throws -> [String]? {
        let url = url(repository, "tags/list")
        var request = request(.get, url, headers: ["Accept": "application/json"])
        request.bodyDescription = "tag list"
        let response = try await authorizedSend(request, scopes: [Self.pullScope(repository)])
        if response.status == 404 { return nil }
        guard response.status == 200 else { throw RegistryErrorBody.error(for: response, url: url) }
        struct TagList: Decodable { var tags: [String]? }
        guard let list = try? JSONDecoder().decode(TagList.self, from: response.body) else {
            throw ModelGetError.http(status: response.status, url: url.redacted, code: nil, message: "the tag list is not JSON")
        }
        return list.tags ?? []
    }
}
