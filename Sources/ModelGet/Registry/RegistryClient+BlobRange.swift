import Foundation

extension RegistryClient {
    /// `GET /v2/<repository>/blobs/<digest>` for `range` (nil: the whole
    /// blob), streaming into `sink`. Redirects are followed by hand with
    /// `Authorization` only on the registry's API origin (which a redirect
    /// to the partner host moves, see `movedToPartner`); `redirected` hears
    /// of each (from, to) before it is followed. Returns the final response whatever
    /// its status; its `url` is where the bytes came from, so parts can go
    /// straight there.
    func fetchBlobRange(repository: String, digest: Digest, range: Range<Int64>?, sink: ResponseBodySink,
                        redirected: ((URL, URL) -> Void)? = nil) async throws -> HTTPResponse {
        var url = url(repository, "blobs/\(digest)")
        for _ in 0..<6 {
            let response = isRegistryOrigin(url)
                ? try await authorizedSend(rangeRequest(url, range), scopes: [Self.pullScope(repository)], sink: sink)
                : try await fetchBlobRange(at: url, range: range, sink: sink)
            if let moved = movedToPartner(response, from: url) {
                url = moved
                continue
            }
            guard [301, 302, 303, 307, 308].contains(response.status) else { return response }
            guard let location = try response.checkedHeader("Location"), let next = URL(string: location, relativeTo: url)?.absoluteURL,
                  let scheme = next.scheme?.lowercased(), scheme == "https" || scheme == "http" else {
                throw ModelGetError.http(status: response.status, url: url.redacted, code: nil, message: "redirect without a usable Location")
            }
            guard scheme == "https" || insecure else { throw ModelGetError.insecureRegistry(host: next.hostAndPort) }
            Diagnostics.verbose("\(digest): \(response.status) redirect to \(next.redacted)")
            redirected?(url, next)
            url = next
        }
        throw ModelGetError.network(url: url.redacted, reason: "too many redirects")
    }

    /// GETs `range` of a blob from a location the registry redirected to
    /// (a CDN), without credentials. Returns the response whatever its status.
    /// Asked once: a location that does not answer is left to the loop that
    /// owns the bytes, which asks the registry again (it may name another).
    func fetchBlobRange(at url: URL, range: Range<Int64>?, sink: ResponseBodySink) async throws -> HTTPResponse {
        var request = rangeRequest(url, range)
        request.mayRetry = false
        return try await http.send(request, sink: sink, uploadObserver: nil)
    }

    private func rangeRequest(_ url: URL, _ range: Range<Int64>?) -> HTTPRequest {
        var request = request(.get, url)
        if let range { request.range = (range.lowerBound, range.upperBound - 1) }
        return request
    }
}
