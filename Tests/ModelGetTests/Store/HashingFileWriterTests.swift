@testable import ModelGet
import Foundation
import XCTest

/// `HashingFileWriter` and `ModelStore.adoptBlob`, the store's door for
/// bytes written whole before they are known to be a blob (an import's
/// members, serve's pull-through): a file gets a blob's name only under
/// the digest its writer hashed, and it is moved, not copied.
final class HashingFileWriterTests: XCTestCase {
    private var root: URL!
    private var store: ModelStore!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("hashing-writer-\(UUID().uuidString)")
        store = ModelStore(root: root)
        try store.prepare()
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: root)
    }

    /// `content` written through a writer in pieces, finished.
    private func written(_ content: Data, piece: Int = 65_536) throws -> HashedFile {
        let writer = try HashingFileWriter(creating: store.temporaryDirectory + "/\(UUID().uuidString)", in: store)
        defer { writer.close() }
        var offset = 0
        while offset < content.count {
            let end = min(content.count, offset + piece)
            try content[offset..<end].withUnsafeBytes { try writer.append($0) }
            offset = end
        }
        XCTAssertEqual(writer.written, Int64(content.count))
        return try writer.finish()
    }

    private func descriptor(of content: Data, size: Int64? = nil) throws -> Descriptor {
        Descriptor(mediaType: "application/octet-stream", digest: try Digest(hex: SHA256Hasher.hex(of: content)),
                   size: size ?? Int64(content.count))
    }

    /// `store.adoptBlob` under the store's lease.
    private func adopt(_ file: HashedFile, as blob: Descriptor) async throws -> Bool {
        try await store.whileWriting { lease in try store.adoptBlob(file, as: blob, under: lease) }
    }

    private func inode(_ path: String) -> UInt64? {
        var info = stat()
        return stat(path, &info) == 0 ? UInt64(info.st_ino) : nil
    }

    func testAFileIsNamedAfterTheBytesItsWriterHashedWithoutACopy() async throws {
        let content = Data((0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        let file = try written(content)
        XCTAssertEqual(file.size, Int64(content.count))
        XCTAssertEqual(file.digest.hex, SHA256Hasher.hex(of: content))
        let before = inode(file.path)
        let blob = try descriptor(of: content)
        let adopted = try await adopt(file, as: blob)
        XCTAssertTrue(adopted)
        XCTAssertEqual(FileManager.default.contents(atPath: store.blobPath(blob.digest)), content)
        XCTAssertEqual(inode(store.blobPath(blob.digest)), before, "the file was moved, not copied")
        XCTAssertFalse(FileManager.default.fileExists(atPath: file.path))
    }

    func testBytesThatHashToSomethingElseNeverGetTheName() async throws {
        let expected = Data(repeating: 1, count: 10_000)
        let file = try written(Data(repeating: 2, count: 10_000))
        let blob = try descriptor(of: expected)
        do {
            _ = try await adopt(file, as: blob)
            XCTFail("adopted")
        } catch let ModelGetError.digestMismatch(digest, actual) {
            XCTAssertEqual(digest, blob.digest.description)
            XCTAssertEqual(actual, SHA256Hasher.hex(of: Data(repeating: 2, count: 10_000)))
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: store.blobPath(blob.digest)))
        XCTAssertTrue(FileManager.default.fileExists(atPath: file.path), "nothing moved")
    }

    func testAFileOfAnotherSizeIsRefused() async throws {
        let content = Data(repeating: 3, count: 1000)
        let file = try written(content)
        let blob = try descriptor(of: content, size: 999)
        do {
            _ = try await adopt(file, as: blob)
            XCTFail("adopted")
        } catch let ModelGetError.sizeMismatch(_, expected, actual) {
            XCTAssertEqual(expected, 999)
            XCTAssertEqual(actual, 1000)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: store.blobPath(blob.digest)))
    }

    func testABlobInPlaceIsKeptAndTheFileLeft() async throws {
        let content = Data(repeating: 4, count: 2000)
        let blob = try descriptor(of: content)
        let first = try await adopt(try written(content), as: blob)
        XCTAssertTrue(first)
        let stored = inode(store.blobPath(blob.digest))
        let second = try written(content)
        let again = try await adopt(second, as: blob)
        XCTAssertFalse(again)
        XCTAssertEqual(inode(store.blobPath(blob.digest)), stored)
        XCTAssertTrue(FileManager.default.fileExists(atPath: second.path))
    }

    func testAWriterOnlyWritesInTheStoresOwnSpace() throws {
        let outside = root.path + "/blobs/sha256-" + String(repeating: "0", count: 64)
        XCTAssertThrowsError(try HashingFileWriter(creating: outside, in: store))
        XCTAssertFalse(FileManager.default.fileExists(atPath: outside))
        let path = store.temporaryDirectory + "/taken"
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data("kept".utf8)))
        XCTAssertThrowsError(try HashingFileWriter(creating: path, in: store), "an existing file is never written over")
        XCTAssertEqual(FileManager.default.contents(atPath: path), Data("kept".utf8))
    }
}
