import ArgumentParser
import Foundation
import ModelGet

/// `--proxy URL` and `--cacert FILE`, for every command that talks to a
/// registry; `CommandLineRunner` installs them (with the environment's proxies and
/// CAs) as the process's `NetworkSettings` before the command runs.
struct NetworkOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Send every request through this proxy ([http|https|socks5h|socks5://][user:password@]host:port; \"\" for none).",
        discussion: "Default: https_proxy/HTTPS_PROXY for HTTPS, http_proxy/HTTP_PROXY for HTTP, else all_proxy/ALL_PROXY; "
            + "no_proxy/NO_PROXY (names, domain suffixes, addresses, CIDR blocks) is honoured either way.",
        valueName: "url"))
    var proxy: String?

    @Option(name: .long, help: ArgumentHelp(
        "Also trust the CA certificates in this PEM file (added to the system's, or SSL_CERT_FILE's).",
        discussion: "Per registry, CAs (*.crt) and a client certificate (NAME.cert + NAME.key) are read from HOST[:PORT]/ in "
            + "~/.config/containers/certs.d, /etc/containers/certs.d or /etc/docker/certs.d.",
        valueName: "file"))
    var cacert: String?

    func validate() throws {
        do {
            _ = try settings()
        } catch {
            throw ValidationError("\(error)")
        }
        if let cacert, !FileManager.default.isReadableFile(atPath: cacert) {
            throw ValidationError("--cacert: cannot read \"\(cacert)\"")
        }
    }

    /// The settings these flags and the environment give.
    func settings(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> NetworkSettings {
        NetworkSettings(proxies: try ProxySettings(environment: environment, proxy: proxy),
                        trust: TLSTrust(environment: environment, cacert: cacert))
    }
}

/// A command that reaches registries: `CommandLineRunner` installs its network settings first.
protocol NetworkCommand {
    var network: NetworkOptions { get }
}

extension Pull: NetworkCommand {}
extension Push: NetworkCommand {}
extension Copy: NetworkCommand {}
extension Blob: NetworkCommand {}
extension Sync: NetworkCommand {}
extension Show: NetworkCommand {}
extension Verify: NetworkCommand {}
extension Extract: NetworkCommand {}
extension Outdated: NetworkCommand {}
