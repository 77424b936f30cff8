import Foundation
@testable import ModelGet
import XCTest

/// registries.conf read as containers/image reads it: the longest prefix
/// wins, names are rewritten from prefix to location, mirrors come first
/// by their pull-from-mirror rule, drop-ins replace a prefix, and what
/// containers-registries.conf(5) refuses is one error naming the file.
final class RegistriesConfigurationTests: XCTestCase {
    private var root: URL!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("registries-conf-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(at: root) }

    private func parse(_ text: String) throws -> RegistriesConfiguration {
        var configuration = RegistriesConfiguration.empty
        configuration.merge(try RegistriesConfiguration.parse(text, path: "test.conf", allowVersion1: true), from: "test.conf")
        return configuration
    }

    private func endpoints(_ configuration: RegistriesConfiguration, _ name: String, insecure: Bool = false) throws -> [String] {
        try configuration.pullEndpoints(for: try Reference(parsing: name), insecure: insecure).map {
            ($0.isMirror ? "mirror " : "") + $0.reference.description
                + ($0.insecure ? " insecure" : "")
        }
    }

    func testTheManPagesExampleTriesEachMirrorThenTheRemappedLocation() throws {
        let configuration = try parse("""
            unqualified-search-registries = ["example.com"]

            [[registry]]
            prefix = "example.com/foo"
            insecure = false
            blocked = false
            location = "internal-registry-for-example.com/bar"

            [[registry.mirror]]
            location = "example-mirror-0.local/mirror-for-foo"

            [[registry.mirror]]
            location = "example-mirror-1.local/mirrors/foo"
            insecure = true

            [[registry]]
            location = "registry.com"

            [[registry.mirror]]
            location = "mirror.registry.com"
            """)
        XCTAssertEqual(try endpoints(configuration, "example.com/foo/image:latest"), [
            "mirror example-mirror-0.local/mirror-for-foo/image:latest",
            "mirror example-mirror-1.local/mirrors/foo/image:latest insecure",
            "internal-registry-for-example.com/bar/image:latest",
        ])
        XCTAssertEqual(try endpoints(configuration, "registry.com/team/image:v1"), [
            "mirror mirror.registry.com/team/image:v1", "registry.com/team/image:v1",
        ])
        XCTAssertEqual(try endpoints(configuration, "other.example/team/image:v1"), ["other.example/team/image:v1"])
        XCTAssertEqual(try endpoints(configuration, "example.com/foobar/image:v1"), ["example.com/foobar/image:v1"],
                       "a prefix matches up to a /, : or @ only")
    }

    func testOllamasRegistryDockerHubAndHuggingFaceArePrefixesLikeAnyOther() throws {
        let configuration = try parse("""
            [[registry]]
            location = "registry.ollama.ai"
            [[registry.mirror]]
            location = "mirror.lan:5000/ollama"
            insecure = true

            [[registry]]
            prefix = "docker.io/library"
            location = "docker.io/library"
            [[registry.mirror]]
            location = "mirror.gcr.io/library"

            [[registry]]
            location = "hf.co"
            [[registry.mirror]]
            location = "hf-mirror.lan"
            """)
        XCTAssertEqual(try endpoints(configuration, "llama3.2"), [
            "mirror mirror.lan:5000/ollama/library/llama3.2:latest insecure", "registry.ollama.ai/library/llama3.2:latest",
        ])
        // docker.io/alpine is docker.io/library/alpine, as Docker and podman normalize it.
        XCTAssertEqual(try endpoints(configuration, "docker.io/alpine:3"), [
            "mirror mirror.gcr.io/library/alpine:3", "docker.io/library/alpine:3",
        ])
        XCTAssertEqual(try endpoints(configuration, "hf.co/bartowski/model:Q4_K_M"), [
            "mirror hf-mirror.lan/bartowski/model:Q4_K_M", "hf.co/bartowski/model:Q4_K_M",
        ])
    }

    func testPullFromMirrorAndMirrorByDigestOnlyChooseByTheKindOfReference() throws {
        let digest = "sha256:" + String(repeating: "a", count: 64)
        let configuration = try parse("""
            [[registry]]
            location = "r.example"
            [[registry.mirror]]
            location = "digests.lan"
            pull-from-mirror = "digest-only"
            [[registry.mirror]]
            location = "tags.lan"
            pull-from-mirror = "tag-only"
            [[registry.mirror]]
            location = "all.lan"

            [[registry]]
            location = "pinned.example"
            mirror-by-digest-only = true
            [[registry.mirror]]
            location = "cache.lan"
            """)
        XCTAssertEqual(try endpoints(configuration, "r.example/team/m:v1"), ["mirror tags.lan/team/m:v1", "mirror all.lan/team/m:v1", "r.example/team/m:v1"])
        XCTAssertEqual(try endpoints(configuration, "r.example/team/m@\(digest)"),
                       ["mirror digests.lan/team/m@\(digest)", "mirror all.lan/team/m@\(digest)", "r.example/team/m@\(digest)"])
        XCTAssertEqual(try endpoints(configuration, "pinned.example/team/m:v1"), ["pinned.example/team/m:v1"])
        XCTAssertEqual(try endpoints(configuration, "pinned.example/team/m@\(digest)"),
                       ["mirror cache.lan/team/m@\(digest)", "pinned.example/team/m@\(digest)"])
    }

    func testTheLongestPrefixWinsAndAWildcardMatchesSubdomains() throws {
        let configuration = try parse("""
            [[registry]]
            location = "r.example"
            [[registry.mirror]]
            location = "whole.lan"

            [[registry]]
            prefix = "r.example/team"
            location = "r.example/team"
            [[registry.mirror]]
            location = "team.lan/t"

            [[registry]]
            prefix = "*.corp.example"
            insecure = true
            [[registry.mirror]]
            location = "corp-mirror.lan"
            """)
        XCTAssertEqual(try endpoints(configuration, "r.example/team/m:v1"), ["mirror team.lan/t/m:v1", "r.example/team/m:v1"])
        XCTAssertEqual(try endpoints(configuration, "r.example/other/m:v1"), ["mirror whole.lan/other/m:v1", "r.example/other/m:v1"])
        XCTAssertEqual(try endpoints(configuration, "a.b.corp.example:5000/ns/m:v1"),
                       ["mirror corp-mirror.lan:5000/ns/m:v1", "a.b.corp.example:5000/ns/m:v1 insecure"])
        XCTAssertEqual(try endpoints(configuration, "corp.example/ns/m:v1"), ["corp.example/ns/m:v1"], "*.domain is below the domain")
    }

    func testABlockedNameIsRefusedForPullsAndPushes() throws {
        let configuration = try parse("""
            [[registry]]
            location = "blocked.example"
            blocked = true
            """)
        XCTAssertThrowsError(try endpoints(configuration, "blocked.example/ns/m:v1")) { error in
            XCTAssertTrue("\(error)".contains("blocked"), "\(error)")
            XCTAssertTrue("\(error)".contains("test.conf"), "\(error)")
        }
        XCTAssertThrowsError(try configuration.pushAccess(for: try Reference(parsing: "blocked.example/ns/m:v1"), insecure: false))
    }

    func testCommandLineMirrorsComeFirstAndSpellTheirScheme() throws {
        var configuration = try parse("""
            [[registry]]
            location = "registry.ollama.ai"
            [[registry.mirror]]
            location = "file-mirror.lan"
            """)
        try configuration.addMirror("registry.ollama.ai=http://flag-mirror.lan:8080/cache/")
        XCTAssertEqual(try endpoints(configuration, "tiny:v1"), [
            "mirror http://flag-mirror.lan:8080/cache/library/tiny:v1 insecure", "mirror file-mirror.lan/library/tiny:v1",
            "registry.ollama.ai/library/tiny:v1",
        ])
        XCTAssertThrowsError(try configuration.addMirror("registry.ollama.ai"))
        XCTAssertThrowsError(try configuration.addMirror("registry.ollama.ai=ftp://x"))
        XCTAssertThrowsError(try configuration.addMirror("=http://x"))
    }

    func testVersion1ListsAreRead() throws {
        let configuration = try parse("""
            [registries.search]
            registries = ['registry1.com']
            [registries.insecure]
            registries = ['plain.lan:5000']
            [registries.block]
            registries = ['registry.untrusted.com']
            """)
        XCTAssertEqual(try endpoints(configuration, "plain.lan:5000/ns/m:v1"), ["plain.lan:5000/ns/m:v1 insecure"])
        XCTAssertThrowsError(try endpoints(configuration, "registry.untrusted.com/ns/m:v1"))
    }

    func testWhatTheManPageRefusesIsAnErrorNamingTheFile() {
        let refused = [
            "[[registry]]\nlocation = \"https://r.example\"": "URI schemes",
            "[[registry]]\ninsecure = true": "both location and prefix are unset",
            "[[registry]]\nprefix = \"r.example\"": "location is unset",
            "[[registry]]\nlocation = \"r.example\"\npull-from-mirror = \"all\"": "pull-from-mirror",
            "[[registry]]\nlocation = \"r.example\"\n[[registry.mirror]]\nlocation = \"m\"\npull-from-mirror = \"some\"": "not all, digest-only or tag-only",
            "[[registry]]\nlocation = \"r.example\"\nmirror-by-digest-only = true\n[[registry.mirror]]\nlocation = \"m\"\npull-from-mirror = \"all\"": "cannot be set together",
            "[[registry]]\nlocation = \"r.example\"\n[[registry.mirror]]\ninsecure = true": "mirror's location is unset",
            "[[registry]]\nprefix = \"*.example.com/foo\"": "wildcard",
            "[[registry]]\nlocation = \"r.example\"\ninsecure = \"yes\"": "registry.1.insecure has the wrong type",
            "[[registry]]\nlocation = \"r.example\"\n[[registry]]\nprefix = \"other\"\nlocation = \"r.example\"\ninsecure = true": "different insecure",
            "[[registry]\nlocation = 1": "line 1",
            "[registries.insecure]\nregistries = ['a']\n[[registry]]\nlocation = \"b\"": "mixes",
        ]
        for (text, reason) in refused {
            XCTAssertThrowsError(try parse(text), text) { error in
                let message = "\(error)"
                XCTAssertTrue(message.hasPrefix("test.conf: "), message)
                XCTAssertTrue(message.contains(reason), "\(reason): \(message)")
                XCTAssertFalse(message.contains("\n"), message)
            }
        }
    }

    func testFilesAreFoundAsPodmanFindsThemAndDropInsReplaceAPrefix() throws {
        let home = root.appendingPathComponent("home")
        let user = home.appendingPathComponent(".config/containers")
        try FileManager.default.createDirectory(at: user.appendingPathComponent("registries.conf.d"), withIntermediateDirectories: true)
        try """
            [[registry]]
            location = "a.example"
            [[registry.mirror]]
            location = "first.lan"
            """.write(to: user.appendingPathComponent("registries.conf"), atomically: true, encoding: .utf8)
        try """
            [[registry]]
            location = "a.example"
            [[registry.mirror]]
            location = "replaced.lan"
            """.write(to: user.appendingPathComponent("registries.conf.d/50-a.conf"), atomically: true, encoding: .utf8)
        try "not toml at all [".write(to: user.appendingPathComponent("registries.conf.d/ignored.txt"), atomically: true, encoding: .utf8)
        let fromHome = try RegistriesConfiguration.load(environment: ["HOME": home.path])
        XCTAssertEqual(try endpoints(fromHome, "a.example/ns/m:v1"), ["mirror replaced.lan/ns/m:v1", "a.example/ns/m:v1"])
        XCTAssertEqual(fromHome.files, [user.path + "/registries.conf", user.path + "/registries.conf.d/50-a.conf"])

        // CONTAINERS_REGISTRIES_CONF names the main file; a missing one is an error.
        let explicit = root.appendingPathComponent("explicit.conf")
        try "[[registry]]\nlocation = \"b.example\"\nblocked = true\n".write(to: explicit, atomically: true, encoding: .utf8)
        let chosen = try RegistriesConfiguration.load(environment: ["HOME": home.path, "CONTAINERS_REGISTRIES_CONF": explicit.path])
        XCTAssertEqual(chosen.files.first, explicit.path)
        XCTAssertThrowsError(try endpoints(chosen, "b.example/ns/m:v1"))
        XCTAssertThrowsError(try RegistriesConfiguration.load(environment: ["HOME": home.path, "CONTAINERS_REGISTRIES_CONF": root.path + "/none.conf"]))
    }
}
