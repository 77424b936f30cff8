import Foundation

extension RegistryClient {
    /// When the registry answers a request for `url` with a redirect to the
    /// same path on its partner host (hf.co → huggingface.co, see
    /// `RegistryFamily`), over HTTPS (plain HTTP only for an insecure
    /// registry), the partner becomes the API host — credentials and
    /// tokens go there from now on — and the new URL is returned. Any
    /// other answer leaves everything as it was and returns nil.
    func movedToPartner(_ response: HTTPResponse, from url: URL) -> URL? {
        guard [301, 302, 307, 308].contains(response.status), let location = (try? response.checkedHeader("Location")) ?? nil,
              let next = URL(string: location, relativeTo: url)?.absoluteURL, next.path == url.path else { return nil }
        // A request that left before another one moved the API host.
        if isRegistryOrigin(next), url.hostAndPort.lowercased() != next.hostAndPort.lowercased(),
           family.partner(of: url.hostAndPort) == next.hostAndPort.lowercased() { return next }
        guard isRegistryOrigin(url),
              let partner = family.partner(of: url.hostAndPort), next.hostAndPort.lowercased() == partner,
              let scheme = next.scheme?.lowercased(), scheme == "https" || (scheme == "http" && insecure),
              let base = URL(string: "\(scheme)://\(next.hostAndPort)/") else { return nil }
        apiBase.withLock { $0 = base }
        return next
    }
}
