import Foundation

extension CLIHarness {
    /// The environment of a run that reads nothing of the machine's
    /// network settings: no proxy variable (in either case), no Docker
    /// credentials, `HOME` in the scratch directory (so
    /// `~/.config/containers` is the test's own), no `SSL_CERT_FILE` or
    /// `SSL_CERT_DIR`; then `variables`.
    func isolatedEnvironment(_ variables: [String: String] = [:]) -> [String: String] {
        var environment = ["DOCKER_CONFIG": scratch.path + "/no-docker", "HOME": scratch.path, "SSL_CERT_FILE": "", "SSL_CERT_DIR": ""]
        for name in ["http_proxy", "https_proxy", "all_proxy", "no_proxy"] {
            environment[name] = ""
            environment[name.uppercased()] = ""
        }
        return environment.merging(variables) { $1 }
    }
}
