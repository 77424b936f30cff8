import COpenSSL
import Foundation

/// Runs OpenSSL's atexit-free initialisation once per process.
enum OpenSSLInit {
    static let once: Void = { _ = mg_openssl_init() }()
}
