@testable import ModelGet
import Foundation
import XCTest

/// `ModelStore.adoptBlob`, the store's door for a file written whole
/// elsewhere (an import's staged member, serve's pull-through file): the
/// file gets the blob's name only when the store's writer hashed it to the
/// digest, and it is moved, not copied.
final class BlobAdoptionTests: XCTestCase {
    private var root: URL!
    private var store: ModelStore!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("blob-adoption-\(UUID().uuidString)")
        store = ModelStore(root: root)
        try store.prepare()
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: root)
    }

    private func staged(_ content: Data) throws -> String {
        let path = store.temporaryDirectory + "/staged-\(UUID().uuidString)"
        try content.write(to: URL(fileURLWithPath: path))
        return path
    }

    private func descriptor(of content: Data, size: Int64? = nil) throws -> Descriptor {
        Descriptor(mediaType: "application/octet-stream", digest: try Digest(hex: SHA256Hasher.hex(of: content)),
                   size: size ?? Int64(content.count))
    }

    private func inode(_ path: String) -> UInt64? {
        var info = stat()
        return stat(path, &info) == 0 ? UInt64(info.st_ino) : nil
    }

    func testAFileIsNamedAfterItsBytesWithoutACopy() async throws {
        let content = Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        let path = try staged(content)
        let file = inode(path)
        let blob = try descriptor(of: content)
        let adopted = try await store.adoptBlob(at: path, as: blob)
        XCTAssertTrue(adopted)
        XCTAssertEqual(FileManager.default.contents(atPath: store.blobPath(blob.digest)), content)
        XCTAssertEqual(inode(store.blobPath(blob.digest)), file, "the file was moved, not copied")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: store.partialPath(blob.digest)))
    }

    func testBytesThatHashToSomethingElseNeverGetTheName() async throws {
        let expected = Data(repeating: 1, count: 10_000)
        let path = try staged(Data(repeating: 2, count: 10_000))
        let blob = try descriptor(of: expected)
        do {
            _ = try await store.adoptBlob(at: path, as: blob)
            XCTFail("a file whose bytes hash to something else was adopted")
        } catch ModelGetError.digestMismatch(let digest, let actual) {
            XCTAssertEqual(digest, blob.digest.description)
            XCTAssertEqual(actual, SHA256Hasher.hex(of: Data(repeating: 2, count: 10_000)))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: store.blobPath(blob.digest)))
        XCTAssertFalse(FileManager.default.fileExists(atPath: store.partialPath(blob.digest)), "the wrong bytes are not kept")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
    }

    func testAFileOfAnotherSizeIsRefusedBeforeAnythingMoves() async throws {
        let content = Data(repeating: 3, count: 1000)
        let path = try staged(content)
        let blob = try descriptor(of: content, size: 999)
        do {
            _ = try await store.adoptBlob(at: path, as: blob)
            XCTFail("a file of the wrong size was adopted")
        } catch ModelGetError.sizeMismatch(_, let expected, let actual) {
            XCTAssertEqual(expected, 999)
            XCTAssertEqual(actual, 1000)
        }
        XCTAssertEqual(FileManager.default.contents(atPath: path), content, "the caller's file is left to the caller")
        XCTAssertFalse(FileManager.default.fileExists(atPath: store.blobPath(blob.digest)))
        XCTAssertFalse(FileManager.default.fileExists(atPath: store.partialPath(blob.digest)))
    }

    func testABlobInPlaceIsKeptAndTheFileLeft() async throws {
        let content = Data(repeating: 4, count: 2000)
        let blob = try descriptor(of: content)
        let first = try await store.adoptBlob(at: try staged(content), as: blob)
        XCTAssertTrue(first)
        let stored = inode(store.blobPath(blob.digest))
        let second = try staged(content)
        let adopted = try await store.adoptBlob(at: second, as: blob)
        XCTAssertFalse(adopted)
        XCTAssertEqual(inode(store.blobPath(blob.digest)), stored)
        XCTAssertTrue(FileManager.default.fileExists(atPath: second))
    }

    func testAPartialFileAnEarlierPullLeftIsReplaced() async throws {
        let content = Data((0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 13) })
        let blob = try descriptor(of: content)
        // An interrupted pull of the same blob: other bytes, their ranges recorded.
        let opened = try await store.openBlobWriter(for: blob)
        let writer = try XCTUnwrap(opened)
        try Data(repeating: 9, count: 50_000).withUnsafeBytes { try writer.write($0, at: 0) }
        try writer.checkpoint()
        writer.close()
        XCTAssertTrue(FileManager.default.fileExists(atPath: store.partialStatePath(blob.digest)))
        let adopted = try await store.adoptBlob(at: try staged(content), as: blob)
        XCTAssertTrue(adopted)
        XCTAssertEqual(FileManager.default.contents(atPath: store.blobPath(blob.digest)), content)
        XCTAssertFalse(FileManager.default.fileExists(atPath: store.partialStatePath(blob.digest)))
        XCTAssertFalse(FileManager.default.fileExists(atPath: store.partialPath(blob.digest)))
    }
}
