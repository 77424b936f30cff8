@testable import ModelGet
import Foundation
import TestSupport
import XCTest

/// An upload body read from a blob the store opened (`HTTPRequest.Body.reader`):
/// libcurl sends exactly the bytes of the range asked for, and a blob that
/// holds fewer fails the request with the store's error, not a short body.
final class ReaderBodyTests: XCTestCase {
    private var root: URL!
    private var store: ModelStore!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("reader-body-\(UUID().uuidString)")
        store = ModelStore(root: root)
        try store.prepare()
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: root)
    }

    private func stored(_ content: Data) async throws -> StoredBlob {
        let digest = try Digest(hex: SHA256Hasher.hex(of: content))
        let writer = try HashingFileWriter(creating: store.temporaryDirectory + "/\(UUID().uuidString)", in: store)
        defer { writer.close() }
        try content.withUnsafeBytes { try writer.append($0) }
        let hashed = try writer.finish()
        let blob = Descriptor(mediaType: "application/octet-stream", digest: digest, size: Int64(content.count))
        let adopted = try await store.whileWriting { lease in try store.adoptBlob(hashed, as: blob, under: lease) }
        XCTAssertTrue(adopted)
        return try store.openBlob(digest)
    }

    func testARangeOfAStoredBlobIsSentAsTheBody() async throws {
        let content = Data((0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 9) })
        let blob = try await stored(content)
        defer { blob.close() }
        let server = try LoopbackHTTPServer { _ in TestHTTPResponse(status: 201) }
        defer { server.stop() }
        let offset: Int64 = 1 << 20 + 5
        let length: Int64 = 1 << 20 + 3
        let response = try await CurlEngine.shared.send(HTTPRequest(method: .put, url: server.baseURL.appendingPathComponent("upload"),
                                                                    body: .reader(blob, offset: offset, length: length)))
        XCTAssertEqual(response.status, 201)
        XCTAssertEqual(server.requests.first?.body, content.subdata(in: Int(offset)..<Int(offset + length)))
    }

    func testABlobShorterThanTheBodyFailsTheRequest() async throws {
        let blob = try await stored(Data(repeating: 1, count: 1000))
        defer { blob.close() }
        let server = try LoopbackHTTPServer { _ in TestHTTPResponse(status: 201) }
        defer { server.stop() }
        do {
            _ = try await CurlEngine.shared.send(HTTPRequest(method: .put, url: server.baseURL.appendingPathComponent("upload"),
                                                             body: .reader(blob, offset: 0, length: 2000)))
            XCTFail("a body the blob cannot fill was sent")
        } catch let error as ModelGetError {
            XCTAssertTrue(error.description.contains("shorter than expected"), error.description)
        }
    }
}
