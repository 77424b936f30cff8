import Foundation
import XCTest
@testable import ModelGet

/// Which key signs for which registry, and where a signature may go.
final class KeyPathTests: XCTestCase {
    func testOllamasKeyOnlyForTheFamilyWithoutOtherCredentials() throws {
        let home = try SSHKeygen.scratch()
        defer { try? FileManager.default.removeItem(at: home) }
        try FileManager.default.createDirectory(at: home.appendingPathComponent(".ollama"), withIntermediateDirectories: true)
        let environment = ["HOME": home.path, "DOCKER_CONFIG": home.path]
        let defaultKey = home.path + "/.ollama/id_ed25519"
        XCTAssertNil(CredentialStore(environment: environment).keyPath(for: "registry.ollama.ai"), "no key file, no key")
        _ = try SSHKeygen.make(name: ".ollama/id_ed25519", in: home)
        let store = CredentialStore(environment: environment)
        for host in ["registry.ollama.ai", "ollama.com", "hf.co", "huggingface.co"] {
            XCTAssertEqual(store.keyPath(for: host), defaultKey, host)
        }
        XCTAssertNil(store.keyPath(for: "ghcr.io"))
        XCTAssertNil(store.keyPath(for: "127.0.0.1:5000"))
        let withPassword = CredentialStore(environment: environment.merging(["MODELGET_USERNAME": "u", "MODELGET_PASSWORD": "p"]) { $1 })
        XCTAssertNil(withPassword.keyPath(for: "registry.ollama.ai"), "configured credentials win over the default key")

        let explicit = CredentialStore(environment: environment.merging(["MODELGET_OLLAMA_KEY": "/keys/env"]) { $1 })
        XCTAssertEqual(explicit.keyPath(for: "127.0.0.1:5000"), "/keys/env")
        let option = CredentialStore(environment: environment.merging(["MODELGET_OLLAMA_KEY": "/keys/env"]) { $1 }, key: "/keys/opt")
        XCTAssertEqual(option.keyPath(for: "ghcr.io"), "/keys/opt", "--key wins over the environment")
    }

    func testRealmOnlyOnTheAskingHostOrItsPartnerOverHTTPS() throws {
        let client = try RegistryClient(host: "registry.ollama.ai", insecure: false,
                                        credentials: CredentialStore(environment: ["MODELGET_OLLAMA_KEY": "/k", "DOCKER_CONFIG": "/none"]))
        let asking = URL(string: "https://registry.ollama.ai/v2/library/x/manifests/latest")!
        XCTAssertNoThrow(try client.checkRealmForKey(URL(string: "https://ollama.com/token")!, challenged: asking))
        XCTAssertNoThrow(try client.checkRealmForKey(URL(string: "https://registry.ollama.ai/v2/token")!, challenged: asking))
        for refused in ["http://ollama.com/token", "https://evil.example/token", "https://ollama.com:8443/token",
                        "https://huggingface.co/token", "http://registry.ollama.ai/v2/token"] {
            XCTAssertThrowsError(try client.checkRealmForKey(URL(string: refused)!, challenged: asking), refused) { error in
                XCTAssertTrue("\(error)".hasPrefix("refusing token exchange with "), "\(error)")
            }
        }
        let plain = try RegistryClient(host: "registry.ollama.ai", scheme: "http", insecure: true,
                                       credentials: CredentialStore(environment: ["MODELGET_OLLAMA_KEY": "/k", "DOCKER_CONFIG": "/none"]))
        XCTAssertThrowsError(try plain.checkRealmForKey(URL(string: "http://ollama.com/token")!, challenged: asking),
                             "a partner only over HTTPS, even with --insecure")
        let hf = try RegistryClient(host: "hf.co", insecure: false,
                                    credentials: CredentialStore(environment: ["MODELGET_OLLAMA_KEY": "/k", "DOCKER_CONFIG": "/none"]))
        let moved = URL(string: "https://huggingface.co/v2/u/r/manifests/latest")!
        XCTAssertNoThrow(try hf.checkRealmForKey(URL(string: "https://huggingface.co/v2/token")!, challenged: moved))
        XCTAssertNoThrow(try hf.checkRealmForKey(URL(string: "https://hf.co/v2/token")!, challenged: moved))
        XCTAssertThrowsError(try hf.checkRealmForKey(URL(string: "https://ollama.com/token")!, challenged: moved))
    }
}
