@testable import ModelGet
import Testing

/// References as tables, one test case per line: what parses back to
/// itself, and what is refused with the part at fault named in one line.
@Suite struct ReferenceTableTests {
    private static let hex = String(repeating: "ab", count: 32)

    /// `description` keeps an explicit scheme, so it parses back to the same
    /// reference (found by the reference fuzz target).
    @Test(arguments: ["http://localhost:8080/org/team/model:q4_0", "HTTPS://Registry.example/ns/Model:Q4_K_M@sha256:\(hex)",
                      "http://127.0.0.1:5000/m@sha256:\(hex)", "hf.co/bartowski/Llama-3.2-1B-Instruct-GGUF:Q4_K_M", "llama3"])
    func descriptionParsesBackToTheSameReference(_ text: String) throws {
        let ref = try Reference(parsing: text)
        #expect(try Reference(parsing: ref.description) == ref)
    }

    @Test(arguments: [("http://localhost:8080/org/team/model:q4_0", "http://localhost:8080/org/team/model:q4_0"),
                      ("localhost:8080/team/model", "localhost:8080/team/model:latest")])
    func descriptionIsTheFullName(_ text: String, _ description: String) throws {
        #expect(try Reference(parsing: text).description == description)
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
    func anInvalidReferenceNamesThePartAtFault(_ input: String, _ expected: String) {
        let error = #expect(throws: ModelGetError.self) { try Reference(parsing: input) }
        guard case let .invalidReference(ref, reason) = error else {
            Issue.record("\(input): unexpected \(String(describing: error))")
            return
        }
        #expect(ref == input)
        #expect(reason.contains(expected), "\(reason)")
        #expect(!"\(error!)".contains("\n"), "one line")
    }
}
