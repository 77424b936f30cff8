import XCTest
@testable import ModelGet

/// Media types are RFC 6838 tokens: what manifests really carry passes,
/// and nothing that could add a header line to a `Content-Type` does.
final class MediaTypeSyntaxTests: XCTestCase {
    func testTypesRealManifestsCarryAreWellFormed() {
        let types = [MediaType.dockerManifest, MediaType.dockerManifestList, MediaType.ociManifest, MediaType.ociIndex,
                     MediaType.dockerConfig, MediaType.ociConfig, MediaType.ollamaModel, MediaType.ollamaTemplate,
                     "application/vnd.ollama.image.tensor", MediaType.dockerGGUF, MediaType.modelPackManifest,
                     "application/vnd.cncf.model.weight.v1.tar+zstd", "application/vnd.oci.empty.v1+json",
                     "text/plain; charset=utf-8", "application/json;charset=\"utf-8\"", "text/plain ; a=\"q\\\"uoted\""]
            + MediaType.imageLayerTypes.sorted()
        for type in types { XCTAssertTrue(MediaType.isWellFormed(type), type) }
    }

    func testAnythingElseIsRefused() {
        let types = [
            "", "application", "application/", "/json", "application/json/x", "application/js on", " application/json",
            "application/json\r\nX-Injected: 1", "application/json\n", "application/json\u{0}", "application/json\r",
            "application/json;", "application/json; a", "application/json; a=", "application/json; a=\"open",
            "application/json; a=\"line\nbreak\"", "application/json; a=b c", "appl\u{e9}cation/json", "-app/json",
            "application/" + String(repeating: "a", count: 128),
            "application/json; a=" + String(repeating: "b", count: MediaType.maximumLength),
        ]
        for type in types { XCTAssertFalse(MediaType.isWellFormed(type), type.debugDescription) }
    }
}
