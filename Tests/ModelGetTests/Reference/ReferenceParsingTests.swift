import Testing
@testable import ModelGet

/// How a reference typed on the command line reads (ollama's defaults,
/// hosts with ports, tags, digests, schemes), and the one line that
/// refuses a malformed one, naming the part at fault.
struct ReferenceParsingTests {
    static let hex = String(repeating: "ab", count: 32)

    /// One reference and what it must read as.
    struct Reading: Sendable, CustomTestStringConvertible {
        let input: String
        let host: String
        let namespace: String
        let name: String
        let tag: String?
        var digest: String? = nil
        var scheme: String? = nil
        var manifestReference: String? = nil
        var storeTag: String? = nil
        var description: String? = nil

        var testDescription: String { input }
    }

    static let readings: [Reading] = [
        Reading(input: "llama3", host: "registry.ollama.ai", namespace: "library", name: "llama3", tag: "latest",
                description: "registry.ollama.ai/library/llama3:latest"),
        Reading(input: "library/llama3:8b", host: "registry.ollama.ai", namespace: "library", name: "llama3", tag: "8b"),
        Reading(input: "registry.ollama.ai/library/llama3:latest", host: "registry.ollama.ai", namespace: "library",
                name: "llama3", tag: "latest"),
        Reading(input: "127.0.0.1:5000/team/tiny:v1", host: "127.0.0.1:5000", namespace: "team", name: "tiny", tag: "v1"),
        // Two parts are namespace and model, as ollama reads them...
        Reading(input: "localhost/x", host: "registry.ollama.ai", namespace: "localhost", name: "x", tag: "latest"),
        // ...but a first part ollama refuses as a namespace and that has a port is a host.
        Reading(input: "localhost:5000/x", host: "localhost:5000", namespace: "library", name: "x", tag: "latest"),
        Reading(input: "myorg/model", host: "registry.ollama.ai", namespace: "myorg", name: "model", tag: "latest"),
        Reading(input: "ghcr.io/org/model@sha256:\(hex)", host: "ghcr.io", namespace: "org", name: "model", tag: nil,
                digest: hex, manifestReference: "sha256:\(hex)", storeTag: "sha256-\(hex)"),
        Reading(input: "ghcr.io/org/model:v2@sha256:\(hex)", host: "ghcr.io", namespace: "org", name: "model", tag: "v2",
                digest: hex, manifestReference: "sha256:\(hex)", storeTag: "v2"),
        Reading(input: "http://localhost:8080/org/team/model:q4_0", host: "localhost:8080", namespace: "org/team",
                name: "model", tag: "q4_0", scheme: "http", description: "http://localhost:8080/org/team/model:q4_0"),
        Reading(input: "localhost:8080/team/model", host: "localhost:8080", namespace: "team", name: "model", tag: "latest",
                description: "localhost:8080/team/model:latest"),
    ]

    @Test(arguments: readings)
    func readsAs(_ expected: Reading) throws {
        let reference = try Reference(parsing: expected.input)
        #expect(reference.host == expected.host)
        #expect(reference.namespace == expected.namespace)
        #expect(reference.name == expected.name)
        #expect(reference.repository == expected.namespace + "/" + expected.name)
        #expect(reference.tag == expected.tag)
        #expect(reference.digest?.hex == expected.digest)
        if let scheme = expected.scheme { #expect(reference.scheme == scheme) }
        if let manifestReference = expected.manifestReference { #expect(reference.manifestReference == manifestReference) }
        if let storeTag = expected.storeTag { #expect(reference.storeTag == storeTag) }
        if let description = expected.description { #expect(reference.description == description) }
    }

    /// `description` keeps an explicit scheme, so it parses back to the
    /// same reference (found by the reference fuzz target).
    @Test(arguments: ["http://localhost:8080/org/team/model:q4_0", "HTTPS://Registry.example/ns/Model:Q4_K_M@sha256:\(hex)",
                      "http://127.0.0.1:5000/m@sha256:\(hex)", "hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M", "llama3"])
    func descriptionParsesBackToTheSameReference(_ text: String) throws {
        let reference = try Reference(parsing: text)
        #expect(try Reference(parsing: reference.description) == reference)
    }

    /// Ollama allows any run of '_', '-' and '.' inside a name.
    @Test(arguments: ["a/b__c", "a/b---c.d_e", "nomic-embed-text:v1.5", "a/b___c"])
    func separatorsInNames(_ text: String) {
        #expect(throws: Never.self) { try Reference(parsing: text) }
    }

    @Test(arguments: [
        ("", "empty"),
        ("llama3:", "tag"),
        ("llama3:-bad", "tag"),
        ("llama3:" + String(repeating: "a", count: 81), "tag"),
        ("llama3@sha256:abc", "digest"),
        ("llama3@sha256:\(hex.uppercased())", "digest"),
        ("llama3@md5:\(hex)", "digest"),
        ("ftp://host.io/x", "scheme"),
        ("-bad.io/x", "host"),
        ("a//b", "empty path component"),
        ("a/../b", "namespace"),
        ("a/b c", "white space"),
        ("library/llama$3", "model"),
        ("x/y.z/m", "namespace"),
        ("a/b/c/d", "not a registry host"),
        ("host.io:99999/x/y", "port \"99999\" of host \"host.io:99999\" is not a number from 1 to 65535"),
        ("localhost:0/x/y", "port \"0\""),
        ("x:tag:more", "model \"x:tag\" holds a ':'; only one :tag may follow the name"),
    ])
    func aMalformedReferenceIsRefusedInOneLineNamingThePartAtFault(_ input: String, _ expected: String) {
        let error = #expect(throws: ModelGetError.self) { try Reference(parsing: input) }
        guard case let .invalidReference(reference, reason)? = error else {
            Issue.record("\(input): unexpected \(String(describing: error))")
            return
        }
        #expect(reference == input)
        #expect(reason.contains(expected), "\(reason)")
        #expect(!"\(error!)".contains("\n"), "one line")
    }
}
