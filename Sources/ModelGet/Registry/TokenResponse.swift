import Foundation

/// The token endpoint's answer, as the distribution auth spec names it.
struct TokenResponse: Decodable {
    /// An opaque Bearer token for the `Authorization` header.
    var token: String?
    /// OAuth 2.0 compatible name for the same token.
    var access_token: String?
    /// Seconds the token stays valid; 60 when absent.
    var expires_in: Int?
}
