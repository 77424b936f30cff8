import CCurl
import Foundation

/// The network path of one request: proxy, TLS trust and client
/// certificate, and the connect timeout, each set explicitly from
/// `NetworkSettings.route(for:)` so that libcurl's own reading of the
/// environment (it honours only lower-case `http_proxy`, and reads
/// `no_proxy` by its own rules) decides nothing.
extension CurlTransfer {
    /// Sets the route's options; called by `configure` on the engine thread.
    func configureRoute() throws {
        let route = try NetworkSettings.current.route(for: request.url, systemCAFile: CurlEngine.systemCAFile)
        mg_easy_setopt_long(easy, CURLOPT_CONNECTTIMEOUT_MS, max(1, Int(request.connectTimeout * 1000)))
        // "" is "no proxy" and, for NOPROXY, "no exceptions": both override the environment.
        mg_easy_setopt_string(easy, CURLOPT_PROXY, route.proxy ?? "")
        mg_easy_setopt_string(easy, CURLOPT_NOPROXY, "")
        applyTrust(route.trust, caFile: CURLOPT_CAINFO, caPath: CURLOPT_CAPATH, blob: CURLOPT_CAINFO_BLOB)
        if let proxyTrust = route.proxyTrust {
            applyTrust(proxyTrust, caFile: CURLOPT_PROXY_CAINFO, caPath: CURLOPT_PROXY_CAPATH, blob: CURLOPT_PROXY_CAINFO_BLOB)
        }
        if let certificate = route.trust.clientCertificate, let key = route.trust.clientKey {
            mg_easy_setopt_string(easy, CURLOPT_SSLCERT, certificate)
            mg_easy_setopt_string(easy, CURLOPT_SSLKEY, key)
        }
    }

    private func applyTrust(_ trust: HostTrust, caFile: CURLoption, caPath: CURLoption, blob: CURLoption) {
        if let bundle = trust.caBundle {
            _ = bundle.withUnsafeBytes { mg_easy_setopt_blob(easy, blob, $0.baseAddress, $0.count) }
        } else if let file = trust.caFile {
            mg_easy_setopt_string(easy, caFile, file)
        }
        if let directory = trust.caDirectory {
            mg_easy_setopt_string(easy, caPath, directory)
        }
    }

    /// curl's failure in words; a timeout before the TCP connection was
    /// made says so (`CurlEngine.isUnreachable`), as a TLS handshake that
    /// timed out on an open connection does not; a proxy that cannot be
    /// reached is named (without its credentials).
    func failureReason(_ code: CURLcode) -> String {
        if code == CURLE_COULDNT_CONNECT || code == CURLE_COULDNT_RESOLVE_PROXY,
           let proxy = NetworkSettings.current.proxies.proxy(for: request.url) {
            return "could not connect to the proxy \(URLRedaction.redact(proxy))"
        }
        var connected: curl_off_t = 0
        if code == CURLE_OPERATION_TIMEDOUT, mg_easy_getinfo_off(easy, CURLINFO_CONNECT_TIME_T, &connected) == CURLE_OK, connected == 0 {
            return CurlEngine.connectTimedOut
        }
        var osError = 0
        _ = mg_easy_getinfo_long(easy, CURLINFO_OS_ERRNO, &osError)
        return CurlEngine.describe(code, url: request.url, osError: Int32(truncatingIfNeeded: osError))
    }

    /// The error for a failure the route explains and retrying cannot
    /// fix (an untrusted certificate, a proxy refusing its credentials),
    /// or nil for any other.
    func routeError(_ code: CURLcode) -> Error? {
        let url = request.url
        switch code {
        case CURLE_PEER_FAILED_VERIFICATION:
            return ModelGetError.connectionSetup(url: url.redacted, reason: NetworkSettings.current.untrustedCertificateAdvice(for: url))
        case CURLE_SSL_CERTPROBLEM:
            return ModelGetError.connectionSetup(url: url.redacted, reason: "the client certificate or its key cannot be used")
        case CURLE_SSL_CACERT_BADFILE:
            return ModelGetError.connectionSetup(url: url.redacted, reason: "the CA certificates SSL_CERT_FILE, SSL_CERT_DIR or --cacert name cannot be read")
        default:
            var connectCode = 0
            mg_easy_getinfo_long(easy, CURLINFO_HTTP_CONNECTCODE, &connectCode)
            return setupRefusal(status: connectCode, body: Data())
        }
    }

    /// The error for an answer that says the connection was not set up
    /// as the other side wants, which retrying does not change: a proxy's
    /// refusal (407, or 403 to a `CONNECT`), or nginx's 400 for a TLS
    /// client that sent no client certificate. Nil for any other answer.
    func setupRefusal(status: Int, body: Data) -> Error? {
        let url = request.url
        switch status {
        case 400:
            guard url.scheme?.lowercased() == "https", body.count < 64 << 10,
                  String(decoding: body, as: UTF8.self).contains("No required SSL certificate was sent") else { return nil }
            return ModelGetError.connectionSetup(url: url.redacted, reason: NetworkSettings.current.clientCertificateAdvice(for: url))
        case 403, 407:
            guard let proxy = NetworkSettings.current.proxies.proxy(for: url) else { return nil }
            var connectCode = 0
            mg_easy_getinfo_long(easy, CURLINFO_HTTP_CONNECTCODE, &connectCode)
            guard status == 407 || connectCode == 403 else { return nil }
            let reason = status == 407
                ? "the proxy \(URLRedaction.redact(proxy)) wants credentials it did not accept (407); give them in its URL, http://USER:PASSWORD@host:port"
                : "the proxy \(URLRedaction.redact(proxy)) refused to connect to \(NetworkSettings.authority(of: url)) (403)"
            return ModelGetError.connectionSetup(url: url.redacted, reason: reason)
        default:
            return nil
        }
    }
}
