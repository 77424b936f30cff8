@testable import ModelGet
import Foundation
import Synchronization
import XCTest

/// The store's one writer: bytes given out of order land under the blob's
/// name only when they hash to its digest, and a second writer of the same
/// blob waits for the first instead of writing the same file.
final class BlobWriterTests: XCTestCase {
    private var root: URL!
    private var store: ModelStore!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("blob-writer-\(UUID().uuidString)")
        store = ModelStore(root: root)
        try store.prepare()
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: root)
    }

    private func bytes(_ count: Int, seed: UInt8) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ Int(seed)) }
    }

    private func write(_ bytes: [UInt8], _ range: Range<Int>, to writer: BlobWriter) throws {
        try bytes.withUnsafeBytes { try writer.write(UnsafeRawBufferPointer(rebasing: $0[range]), at: Int64(range.lowerBound)) }
    }

    func testPartsWrittenOutOfOrderAreCommittedUnderTheirDigest() async throws {
        let content = bytes(300_000, seed: 1)
        let descriptor = Descriptor(mediaType: "application/octet-stream", digest: try Digest(hex: SHA256Hasher.hex(of: content)),
                                    size: Int64(content.count))
        try await store.whileWriting { lease in
            let opened = try await store.openBlobWriter(for: descriptor, under: lease)
            let writer = try XCTUnwrap(opened)
            defer { writer.close() }
            XCTAssertEqual(writer.missing, [0..<Int64(content.count)])
            try write(content, 200_000..<300_000, to: writer)
            try write(content, 0..<200_000, to: writer)
            XCTAssertEqual(writer.missing, [])
            let outcome = try await writer.commit()
            XCTAssertEqual(outcome, .committed)
        }
        XCTAssertTrue(store.hasBlob(descriptor))
        XCTAssertEqual(FileManager.default.contents(atPath: store.blobPath(descriptor.digest)), Data(content))
        XCTAssertFalse(FileManager.default.fileExists(atPath: store.partialPath(descriptor.digest)))
    }

    func testBytesThatHashToSomethingElseNeverGetTheName() async throws {
        let expected = bytes(50_000, seed: 2)
        let received = bytes(50_000, seed: 3)
        let descriptor = Descriptor(mediaType: "application/octet-stream", digest: try Digest(hex: SHA256Hasher.hex(of: expected)),
                                    size: Int64(expected.count))
        try await store.whileWriting { lease in
            let opened = try await store.openBlobWriter(for: descriptor, under: lease)
            let writer = try XCTUnwrap(opened)
            defer { writer.close() }
            try write(received, 0..<received.count, to: writer)
            let outcome = try await writer.commit()
            XCTAssertEqual(outcome, .mismatch(actual: SHA256Hasher.hex(of: received)))
            XCTAssertFalse(FileManager.default.fileExists(atPath: store.blobPath(descriptor.digest)))
            try writer.discard()
            XCTAssertEqual(writer.missing, [0..<Int64(expected.count)])
        }
    }

    func testASecondWriterWaitsAndFindsTheBlobInPlace() async throws {
        let content = bytes(10_000, seed: 4)
        let descriptor = Descriptor(mediaType: "application/octet-stream", digest: try Digest(hex: SHA256Hasher.hex(of: content)),
                                    size: Int64(content.count))
        let store = self.store!
        try await store.whileWriting { lease in
            let opened = try await store.openBlobWriter(for: descriptor, under: lease)
            let first = try XCTUnwrap(opened)
            let second = Task { try await store.openBlobWriter(for: descriptor, under: lease) }
            try write(content, 0..<content.count, to: first)
            let outcome = try await first.commit()
            XCTAssertEqual(outcome, .committed)
            first.close()
            let late = try await second.value
            XCTAssertNil(late, "the blob is in place: nothing left to write")
        }
    }

    /// A writer opened under a lease names its blob only while the lease
    /// holds: one that outlived its `whileWriting` renames nothing, so no
    /// blob appears unprotected from a prune.
    func testAWriterWhoseLeaseEndedNamesNoBlob() async throws {
        let content = bytes(20_000, seed: 5)
        let descriptor = Descriptor(mediaType: "application/octet-stream", digest: try Digest(hex: SHA256Hasher.hex(of: content)),
                                    size: Int64(content.count))
        let escaped = try await store.whileWriting { lease in try await store.openBlobWriter(for: descriptor, under: lease) }
        let writer = try XCTUnwrap(escaped)
        defer { writer.close() }
        try write(content, 0..<content.count, to: writer)
        do {
            _ = try await writer.commit()
            XCTFail("committed after the store lock was released")
        } catch {
            XCTAssertTrue("\(error)".contains("after the store lock was released"), "\(error)")
        }
        XCTAssertFalse(store.hasBlob(descriptor))
        XCTAssertTrue(FileManager.default.fileExists(atPath: store.partialPath(descriptor.digest)), "the bytes stay for a resume")
    }

    /// Out of file descriptors, a blob waits for some to come back instead
    /// of failing with "Too many open files".
    func testABlobWaitsForAFileDescriptorInsteadOfFailing() async throws {
        // The process is out of descriptors for the first three opens (as
        // EMFILE says), then one comes back. Exhausting them for real would
        // also starve libdispatch's worker monitor, which aborts the process.
        let path = root.path + "/.modelget/partial-fd-test"
        let refusals = Mutex(0)
        let lock = try await PartialFileLock.acquire(path, until: { false }, opening: { path in
            let refused = refusals.withLock { count -> Bool in
                guard count < 3 else { return false }
                count += 1
                return true
            }
            if refused {
                errno = EMFILE
                return -1
            }
            return open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        })
        XCTAssertNotNil(lock, "opened once a descriptor came back")
        XCTAssertEqual(refusals.withLock { $0 }, 3, "asked again after each refusal")
        lock?.release()

        // Still none after its patience: the blob fails in one line naming the file.
        do {
            _ = try await PartialFileLock.acquire(path, until: { false }, patience: .milliseconds(200), opening: { _ in
                errno = EMFILE
                return -1
            })
            XCTFail("a lock without a descriptor")
        } catch {
            XCTAssertTrue("\(error)".contains(path), "\(error)")
        }
    }
}
