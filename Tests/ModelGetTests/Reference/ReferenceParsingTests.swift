import XCTest
@testable import ModelGet

final class ReferenceParsingTests: XCTestCase {
    private let hex = String(repeating: "ab", count: 32)

    func testBareNameGetsOllamaDefaults() throws {
        let ref = try Reference(parsing: "llama3")
        XCTAssertEqual(ref.host, "registry.ollama.ai")
        XCTAssertEqual(ref.namespace, "library")
        XCTAssertEqual(ref.name, "llama3")
        XCTAssertEqual(ref.tag, "latest")
        XCTAssertNil(ref.digest)
        XCTAssertEqual(ref.description, "registry.ollama.ai/library/llama3:latest")
    }

    func testNamespaceAndTag() throws {
        let ref = try Reference(parsing: "library/llama3:8b")
        XCTAssertEqual(ref.host, "registry.ollama.ai")
        XCTAssertEqual(ref.repository, "library/llama3")
        XCTAssertEqual(ref.tag, "8b")
    }

    func testFullyQualified() throws {
        let ref = try Reference(parsing: "registry.ollama.ai/library/llama3:latest")
        XCTAssertEqual(ref.host, "registry.ollama.ai")
        XCTAssertEqual(ref.repository, "library/llama3")
        XCTAssertEqual(ref.tag, "latest")
    }

    func testHostWithPort() throws {
        let ref = try Reference(parsing: "127.0.0.1:5000/team/tiny:v1")
        XCTAssertEqual(ref.host, "127.0.0.1:5000")
        XCTAssertEqual(ref.namespace, "team")
        XCTAssertEqual(ref.name, "tiny")
        XCTAssertEqual(ref.tag, "v1")
    }

    func testTwoPartsAreNamespaceAndModelAsOllamaReadsThem() throws {
        let ref = try Reference(parsing: "localhost/x")
        XCTAssertEqual(ref.host, "registry.ollama.ai")
        XCTAssertEqual(ref.repository, "localhost/x")
        let oci = try Reference(parsing: "localhost:5000/x")
        XCTAssertEqual(oci.host, "localhost:5000", "a part ollama refuses as a namespace but that has a port is a host")
        XCTAssertEqual(oci.repository, "library/x")
    }

    func testDigestOnly() throws {
        let ref = try Reference(parsing: "ghcr.io/org/model@sha256:\(hex)")
        XCTAssertEqual(ref.host, "ghcr.io")
        XCTAssertEqual(ref.repository, "org/model")
        XCTAssertNil(ref.tag)
        XCTAssertEqual(ref.digest?.hex, hex)
        XCTAssertEqual(ref.manifestReference, "sha256:\(hex)")
        XCTAssertEqual(ref.storeTag, "sha256-\(hex)")
    }

    func testTagAndDigest() throws {
        let ref = try Reference(parsing: "ghcr.io/org/model:v2@sha256:\(hex)")
        XCTAssertEqual(ref.tag, "v2")
        XCTAssertEqual(ref.manifestReference, "sha256:\(hex)")
        XCTAssertEqual(ref.storeTag, "v2")
    }

    func testSchemeAndNestedNamespace() throws {
        let ref = try Reference(parsing: "http://localhost:8080/org/team/model:q4_0")
        XCTAssertEqual(ref.scheme, "http")
        XCTAssertEqual(ref.host, "localhost:8080")
        XCTAssertEqual(ref.namespace, "org/team")
        XCTAssertEqual(ref.tag, "q4_0")
    }

    func testFirstComponentWithoutDotIsANamespace() throws {
        let ref = try Reference(parsing: "myorg/model")
        XCTAssertEqual(ref.host, "registry.ollama.ai")
        XCTAssertEqual(ref.namespace, "myorg")
    }

    func testSeparatorsInNames() throws {
        XCTAssertNoThrow(try Reference(parsing: "a/b__c"))
        XCTAssertNoThrow(try Reference(parsing: "a/b---c.d_e"))
        XCTAssertNoThrow(try Reference(parsing: "nomic-embed-text:v1.5"))
        XCTAssertNoThrow(try Reference(parsing: "a/b___c"), "ollama allows any run of '_', '-' and '.'")
    }
}
