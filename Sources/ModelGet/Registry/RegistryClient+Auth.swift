import Foundation

extension RegistryClient {
    /// The token endpoint's answer, as the distribution auth spec names it.
    private struct TokenResponse: Decodable {
        /// An opaque Bearer token for the `Authorization` header.
        var token: String?
        /// OAuth 2.0 compatible name for the same token.
        var access_token: String?
        /// Seconds the token stays valid; 60 when absent.
        var expires_in: Int?
    }

    /// The token scope for pulling from `repository`.
    static func pullScope(_ repository: String) -> String { "repository:\(repository):pull" }

    /// Sends a request to the registry, answering its auth challenge once:
    /// a `401` with `Bearer` fetches a token for `scopes` (cached per
    /// scope set); with `Basic` the request is repeated with credentials.
    func authorizedSend(_ original: HTTPRequest, scopes: [String], sink: ResponseBodySink? = nil,
                        uploadObserver: UploadProgressObserver? = nil) async throws -> HTTPResponse {
        var request = original
        let useAuth = isRegistryOrigin(request.url)
        if useAuth, let header = knownAuthorization(scopes: scopes) {
            request.headers.set("Authorization", header)
        }
        let response = try await http.send(request, sink: sink, uploadObserver: uploadObserver)
        guard response.status == 401, useAuth else { return response }
        let challenges = AuthChallenge.parse(try response.checkedHeaderValues("WWW-Authenticate"))
        guard let header = try await answer(challenges, scopes: scopes, failed: request.headers["Authorization"], response: response) else {
            return response
        }
        request.headers.set("Authorization", header)
        let retried = try await http.send(request, sink: sink, uploadObserver: uploadObserver)
        if retried.status == 401 {
            if let key, case .bearer = authMode.withLock({ $0 }) { throw keyNotRegistered(key) }
            let who = credentials.map { "user \($0.username) was refused" } ?? "anonymous access was refused"
            throw ModelGetError.authenticationFailed(host: host, reason: "\(who): \(Self.reason(retried))")
        }
        return retried
    }

    /// What a user whose credentials were not found can do, and where they were looked for.
    var missingCredentialsHint: String {
        "run modelget login \(host) (looked in \(credentialSearch))"
    }

    /// Checks that the registry accepts this client's credentials (or
    /// needs none): `GET /v2/`, answering its challenge as any request
    /// would, as `docker login` checks them.
    public func checkCredentials() async throws {
        let url = baseURL.appendingPathComponent("v2/")
        let response = try await authorizedSend(request(.get, url), scopes: [])
        guard (200..<300).contains(response.status) else { throw RegistryErrorBody.error(for: response, url: url) }
    }

    /// The error for a signed token request (or its token) that was refused.
    private func keyNotRegistered(_ key: String) -> ModelGetError {
        let home = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
        var shown = key + ".pub"
        if !home.isEmpty, shown.hasPrefix(home + "/") { shown = "~" + shown.dropFirst(home.count) }
        return .keyNotRegistered(registry: host, publicKey: shown, whereToAdd: family.keySettingsPage(for: host))
    }

    private func knownAuthorization(scopes: [String]) -> String? {
        switch authMode.withLock({ $0 }) {
        case .unknown:
            return nil
        case .basic:
            return credentials?.basicAuthorization
        case let .bearer(realm, service):
            return tokens.token(for: TokenCache.key(realm: realm, service: service, scopes: scopes)).map { "Bearer " + $0 }
        }
    }

    /// Works out the `Authorization` header that answers the challenges,
    /// or nil when there is nothing better to send.
    private func answer(_ challenges: [AuthChallenge], scopes: [String], failed: String?, response: HTTPResponse) async throws -> String? {
        if let bearer = challenges.first(where: { $0.scheme == "bearer" }), let realm = bearer.parameters["realm"] {
            let service = bearer.parameters["service"]
            var wanted = scopes
            if let scope = bearer.parameters["scope"] {
                for s in scope.split(separator: " ").map(String.init) where !wanted.contains(s) { wanted.append(s) }
            }
            authMode.withLock { $0 = .bearer(realm: realm, service: service) }
            let key = TokenCache.key(realm: realm, service: service, scopes: scopes)
            tokens.remove(key)
            let token = try await fetchToken(realm: realm, service: service, scopes: wanted, challenged: response.url)
            tokens.store(token.value, for: key, expiresIn: token.expiresIn)
            return "Bearer " + token.value
        }
        if challenges.contains(where: { $0.scheme == "basic" }) {
            authMode.withLock { $0 = .basic }
            guard let credentials else {
                throw ModelGetError.authenticationFailed(host: host, reason: "the registry requires credentials; \(missingCredentialsHint)")
            }
            guard failed == nil else {
                throw ModelGetError.authenticationFailed(host: host, reason: "user \(credentials.username) was refused: \(Self.reason(response))")
            }
            return credentials.basicAuthorization
        }
        return nil
    }

    /// Asks the token service named in a challenge (to a request for
    /// `challenged`) for a token: signed with the key when one applies,
    /// else with the registry's credentials, if any.
    private func fetchToken(realm: String, service: String?, scopes: [String],
                            challenged: URL) async throws -> (value: String, expiresIn: TimeInterval) {
        guard var components = URLComponents(string: realm), let scheme = components.scheme?.lowercased(),
              components.host != nil else {
            throw ModelGetError.insecureCredentialExchange(realm: realm, reason: "the realm is not an absolute URL")
        }
        guard scheme == "https" || (scheme == "http" && insecure) else {
            throw ModelGetError.insecureCredentialExchange(
                realm: realm, reason: "the token service is not HTTPS (pass --insecure to allow plain HTTP)")
        }
        var headers = HTTPHeaders()
        let url: URL
        if let key {
            guard let realmURL = components.url else {
                throw ModelGetError.insecureCredentialExchange(realm: realm, reason: "the realm is not a valid URL")
            }
            try checkRealmForKey(realmURL, challenged: challenged)
            let signed = try KeySignedTokenRequest.make(realm: realm, service: service, scopes: scopes, key: OllamaKey(path: key))
            guard let signedURL = URL(string: signed.url) else {
                throw ModelGetError.insecureCredentialExchange(realm: realmURL.redacted, reason: "the realm is not a valid URL")
            }
            url = signedURL
            headers.set("Authorization", signed.authorization)
        } else {
            var items = components.queryItems ?? []
            if let service { items.append(URLQueryItem(name: "service", value: service)) }
            for scope in scopes { items.append(URLQueryItem(name: "scope", value: scope)) }
            components.queryItems = items
            components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
            guard let built = components.url else {
                throw ModelGetError.insecureCredentialExchange(realm: realm, reason: "the realm is not a valid URL")
            }
            url = built
            if let credentials { headers.set("Authorization", credentials.basicAuthorization) }
        }
        var tokenRequest = request(.get, url, headers: headers)
        tokenRequest.bodyDescription = "token response"
        let response = try await http.send(tokenRequest)
        if (300..<400).contains(response.status) {
            throw ModelGetError.insecureCredentialExchange(realm: url.redacted, reason: "the token service redirected (HTTP \(response.status)); refusing to follow with credentials")
        }
        if let key, response.status == 401 || response.status == 403 { throw keyNotRegistered(key) }
        if response.status == 401 || response.status == 403 {
            let who = credentials.map { "user \($0.username) was refused by the token service" }
                ?? "the token service requires credentials; \(missingCredentialsHint)"
            throw ModelGetError.authenticationFailed(host: host, reason: who)
        }
        guard response.status == 200 else { throw RegistryErrorBody.error(for: response, url: url) }
        guard let body = try? JSONDecoder().decode(TokenResponse.self, from: response.body),
              let token = body.token ?? body.access_token, !token.isEmpty else {
            throw ModelGetError.authenticationFailed(host: host, reason: "the token service answered without a token")
        }
        return (token, TimeInterval(body.expires_in ?? 60))
    }

    /// A key signature goes only to a realm on the host that asked for it
    /// (its scheme rules: HTTPS, or plain HTTP for an insecure registry) or
    /// on that host's partner over HTTPS only (registry.ollama.ai →
    /// ollama.com, huggingface.co → hf.co); ollama refuses every other
    /// realm, so does modelget.
    func checkRealmForKey(_ realm: URL, challenged: URL) throws {
        let realmHost = realm.hostAndPort.lowercased()
        let asking = challenged.hostAndPort.lowercased()
        let scheme = realm.scheme?.lowercased()
        if realmHost == asking, scheme == "https" || (scheme == "http" && insecure) { return }
        let partners = [family.partner(of: asking), family.partner(of: host)].compactMap { $0 }
        if partners.contains(realmHost), scheme == "https" { return }
        throw ModelGetError.insecureCredentialExchange(
            realm: realm.redacted,
            reason: "the realm is on \(realmHost), not on \(asking)\(partners.isEmpty ? "" : " or " + partners.joined(separator: ", ")); refusing to sign a token request for another host")
    }

    private static func reason(_ response: HTTPResponse) -> String {
        let entry = (try? JSONDecoder().decode(RegistryErrorBody.self, from: response.body))?.errors?.first
        let text = [entry?.code, entry?.message].compactMap { $0 }.joined(separator: ": ")
        return text.isEmpty ? "HTTP \(response.status)" : text
    }
}

/// How a registry asked to be authenticated, learned from its first 401.
enum AuthMode: Sendable {
    case unknown
    case basic
    case bearer(realm: String, service: String?)
}
