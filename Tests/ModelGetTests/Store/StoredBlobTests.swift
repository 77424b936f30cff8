@testable import ModelGet
import Foundation
import XCTest

/// `ModelStore.openBlob`, the store's door for readers: a handle that owns
/// its descriptor, reads what the blob holds and refuses what is not one.
final class StoredBlobTests: XCTestCase {
    private var root: URL!
    private var store: ModelStore!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("stored-blob-\(UUID().uuidString)")
        store = ModelStore(root: root)
        try store.prepare()
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: root)
    }

    /// A blob put in place through the store's writer door.
    private func stored(_ content: Data) async throws -> Descriptor {
        let blob = Descriptor(mediaType: "application/octet-stream", digest: try Digest(hex: SHA256Hasher.hex(of: content)),
                              size: Int64(content.count))
        let writer = try HashingFileWriter(creating: store.temporaryDirectory + "/\(UUID().uuidString)", in: store)
        defer { writer.close() }
        try content.withUnsafeBytes { try writer.append($0) }
        let hashed = try writer.finish()
        let adopted = try await store.whileWriting { lease in try store.adoptBlob(hashed, as: blob, under: lease) }
        XCTAssertTrue(adopted)
        return blob
    }

    func testAHandleReadsTheBlobAndClosesItsDescriptorOnce() async throws {
        let content = Data((0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 11) })
        let blob = try await stored(content)
        let handle = try store.openBlob(blob.digest)
        XCTAssertEqual(handle.size, blob.size)
        XCTAssertEqual(try handle.prefix(10), content.prefix(10))
        XCTAssertEqual(try handle.prefix(Int64(content.count) + 100), content, "a longer prefix is the whole blob")
        var middle = Data(count: 1000)
        try middle.withUnsafeMutableBytes { try handle.read(into: $0, at: 2 << 20) }
        XCTAssertEqual(middle, content[(2 << 20)..<((2 << 20) + 1000)])
        var streamed = Data()
        try handle.forEachChunk(length: handle.size) { streamed.append(contentsOf: $0) }
        XCTAssertEqual(streamed, content)
        XCTAssertThrowsError(try handle.forEachChunk(length: handle.size + 1) { _ in }, "a blob shorter than asked is an error")
        let fd = handle.fd
        handle.close()
        XCTAssertEqual(fcntl(fd, F_GETFD), -1, "close closed the descriptor")
        handle.close()
    }

    func testAMissingBlobOrADirectoryInItsPlaceIsAnError() throws {
        let digest = try Digest(hex: SHA256Hasher.hex(of: Data("absent".utf8)))
        XCTAssertThrowsError(try store.openBlob(digest)) { error in
            XCTAssertTrue("\(error)".contains(digest.fileName), "the error names the blob's file: \(error)")
        }
        try FileManager.default.createDirectory(atPath: store.blobPath(digest), withIntermediateDirectories: true)
        XCTAssertThrowsError(try store.openBlob(digest)) { error in
            XCTAssertTrue("\(error)".contains("not a regular file"), "\(error)")
        }
    }

    func testASmallBlobIsReadOnlyAtItsSizeAndVerified() async throws {
        let content = Data("{\"config\":true}".utf8)
        let blob = try await stored(content)
        XCTAssertEqual(try store.readSmallBlob(blob), content)
        var larger = blob
        larger.size += 1
        XCTAssertThrowsError(try store.readSmallBlob(larger)) { error in
            guard case ModelGetError.sizeMismatch = error else { return XCTFail("\(error)") }
        }
        // Damage the stored bytes in place: the size holds, the digest does not.
        let fd = open(store.blobPath(blob.digest), O_WRONLY)
        XCTAssertEqual(pwrite(fd, "X", 1, 0), 1)
        close(fd)
        XCTAssertEqual(try store.blobBytes(blob).count, content.count)
        XCTAssertThrowsError(try store.readSmallBlob(blob)) { error in
            guard case ModelGetError.digestMismatch = error else { return XCTFail("\(error)") }
        }
    }
}
