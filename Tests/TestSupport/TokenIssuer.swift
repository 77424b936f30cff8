import Foundation
import Synchronization

/// Answers `GET /token` for a `TokenService`: checks basic credentials,
/// decides the granted actions and signs the token.
final class TokenIssuer: Sendable {
    /// Decides which of a scope's actions `user` (nil when anonymous) gets.
    typealias Grant = @Sendable (_ user: String?, _ scope: TokenScope) -> [String]

    let service: String
    let issuer: String
    private let users: [String: String]
    private let signer: JWTSigner
    private let state: Mutex<State>

    struct State {
        var expiresIn: Int
        var grant: Grant = { _, scope in scope.actions }
        var tokenRequests = 0
    }

    init(service: String, issuer: String, users: [String: String], expiresIn: Int, signer: JWTSigner) {
        self.service = service
        self.issuer = issuer
        self.users = users
        self.signer = signer
        state = Mutex(State(expiresIn: expiresIn))
    }

    /// Reads or changes the mutable settings and counters.
    func withState<T>(_ body: (inout State) -> T) -> T {
        state.withLock { body(&$0) }
    }

    /// The HTTP answer to one request on the token server; `scopeName`
    /// turns a requested scope's name into the name its access claim grants.
    func respond(to request: TestHTTPRequest, scopeName: (String) -> String = { $0 }) -> TestHTTPResponse {
        guard request.method == "GET", request.path == "/token" else { return TestHTTPResponse(status: 404) }
        let (expiresIn, grant) = state.withLock { state in
            state.tokenRequests += 1
            return (state.expiresIn, state.grant)
        }
        let user = basicUser(request.headers["Authorization"])
        if !users.isEmpty && user == nil {
            return TestHTTPResponse(
                status: 401, headers: ["WWW-Authenticate": "Basic realm=\"modelget-test-token\""],
                body: Data(#"{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}"#.utf8))
        }
        let access = request.query("scope")
            .flatMap { $0.split(separator: " ") }
            .compactMap { TokenScope(parsing: String($0)) }
            .map { TokenScope(type: $0.type, name: scopeName($0.name), actions: grant(user, $0)) }
        let now = Date()
        let claims = Claims(
            iss: issuer, sub: user ?? "", aud: service,
            exp: Int(now.timeIntervalSince1970) + expiresIn, nbf: Int(now.timeIntervalSince1970) - 5,
            iat: Int(now.timeIntervalSince1970), jti: UUID().uuidString, access: access)
        do {
            let token = try signer.token(claims: claims)
            return try .json(TokenResponse(
                token: token, access_token: token, expires_in: expiresIn,
                issued_at: now.formatted(.iso8601)))
        } catch {
            return TestHTTPResponse(status: 500, body: Data("\(error)".utf8))
        }
    }

    /// The user name if `authorization` carries valid basic credentials.
    private func basicUser(_ authorization: String?) -> String? {
        guard let authorization, authorization.lowercased().hasPrefix("basic "),
              let decoded = Data(base64Encoded: String(authorization.dropFirst(6)).trimmingCharacters(in: .whitespaces)),
              let pair = String(data: decoded, encoding: .utf8), let colon = pair.firstIndex(of: ":")
        else { return nil }
        let user = String(pair[..<colon])
        return users[user] == String(pair[pair.index(after: colon)...]) ? user : nil
    }

    /// The JWT claims distribution checks (`iss`, `aud`, times) and reads
    /// (`access`).
    private struct Claims: Encodable {
        let iss: String
        let sub: String
        let aud: String
        let exp: Int
        let nbf: Int
        let iat: Int
        let jti: String
        let access: [TokenScope]
    }

    /// The token endpoint's JSON body, named as the distribution token
    /// spec names its fields.
    private struct TokenResponse: Encodable {
        let token: String
        let access_token: String
        let expires_in: Int
        let issued_at: String
    }
}
