import Foundation
import HTTPTypes
import Hummingbird

/// An error answered in the distribution API's shape:
/// `{"errors":[{"code":…,"message":…}]}` with the status the code implies.
struct DistributionError: Error, Sendable {
    let status: HTTPResponse.Status
    let code: String
    let message: String
    var headers: HTTPFields = [:]

    static func nameUnknown(_ name: String) -> Self {
        .init(status: .notFound, code: "NAME_UNKNOWN", message: "repository name not known to registry: \(name)")
    }
    static func nameInvalid(_ reason: String) -> Self {
        .init(status: .badRequest, code: "NAME_INVALID", message: "invalid repository name: \(reason)")
    }
    static func manifestUnknown(_ reference: String) -> Self {
        .init(status: .notFound, code: "MANIFEST_UNKNOWN", message: "manifest unknown: \(reference)")
    }
    static func blobUnknown(_ digest: String) -> Self {
        .init(status: .notFound, code: "BLOB_UNKNOWN", message: "blob unknown to registry: \(digest)")
    }
    static func digestInvalid(_ digest: String) -> Self {
        .init(status: .badRequest, code: "DIGEST_INVALID",
              message: "provided digest did not match uploaded content or is not sha256:<64 lowercase hex>: \(digest.prefix(100))")
    }
    static func tagInvalid(_ tag: String) -> Self {
        .init(status: .badRequest, code: "TAG_INVALID", message: "manifest tag is not valid: \(tag.prefix(130))")
    }
    static func paginationInvalid(_ value: String) -> Self {
        .init(status: .badRequest, code: "PAGINATION_NUMBER_INVALID", message: "invalid number of results requested: \(value.prefix(40))")
    }
    static func unsupported(_ method: HTTPRequest.Method) -> Self {
        .init(status: .methodNotAllowed, code: "UNSUPPORTED",
              message: "\(method.rawValue) is not supported: modelget serve is read-only",
              headers: [.allow: "GET, HEAD"])
    }
    static let notFound = DistributionError(status: .notFound, code: "NOT_FOUND", message: "no such endpoint")
    static let unauthorized = DistributionError(
        status: .unauthorized, code: "UNAUTHORIZED", message: "authentication required",
        headers: [.wwwAuthenticate: "Basic realm=\"modelget\""])
    /// `--auth`: this address failed to log in too often (`FailedLoginLimit`).
    static func tooManyFailedLogins(retryAfter seconds: Int) -> Self {
        .init(status: .tooManyRequests, code: "TOOMANYREQUESTS",
              message: "too many failed logins from this address; try again in \(seconds) s",
              headers: [.retryAfter: String(seconds)])
    }

    /// The process is out of file descriptors: 503 with `Retry-After`, so
    /// a client tries again instead of taking a stored model for missing.
    static let outOfDescriptors = DistributionError(
        status: .serviceUnavailable, code: "UNAVAILABLE", message: "the server is out of file descriptors; try again shortly",
        headers: [.retryAfter: "1"])

    /// Throws `outOfDescriptors` when the last call failed for want of a
    /// file descriptor (`EMFILE`, `ENFILE`).
    static func checkDescriptors(_ code: Int32 = errno) throws {
        if code == EMFILE || code == ENFILE { throw outOfDescriptors }
    }

    /// A pull-through miss whose upstream fetch failed: 502 with the upstream's reason.
    static func upstream(_ reason: String) -> Self {
        .init(status: .badGateway, code: "UNAVAILABLE", message: "upstream: \(reason)")
    }

    /// The error as a response (no body for HEAD, as distribution does).
    func response(head: Bool) -> Response {
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.dockerDistributionAPIVersion] = "registry/2.0"
        let body = ErrorBody(errors: [.init(code: code, message: message)])
        let data = (try? JSONEncoder().encode(body)) ?? Data()
        headers[.contentLength] = String(data.count)
        return Response(status: status, headers: headers,
                        body: head ? ResponseBody() : ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    private struct ErrorBody: Encodable {
        struct Entry: Encodable { let code: String; let message: String }
        let errors: [Entry]
    }
}

extension HTTPField.Name {
    static let dockerContentDigest = HTTPField.Name("Docker-Content-Digest")!
    static let dockerDistributionAPIVersion = HTTPField.Name("Docker-Distribution-API-Version")!
    static let link = HTTPField.Name("Link")!
}
