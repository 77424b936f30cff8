@testable import ModelGet
import Foundation
import XCTest

/// Parts written out of order, some kept from "an earlier run", still hash
/// to the digest of the whole.
final class PrefixHasherTests: XCTestCase {
    func testOutOfOrderPartsHashToTheWhole() async throws {
        let size = 10 << 20
        var bytes = [UInt8](repeating: 0, count: size)
        for i in 0..<size { bytes[i] = UInt8(truncatingIfNeeded: i &* 2654435761 >> 7) }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("prefix-\(UUID().uuidString)").path
        let fd = open(path, O_RDWR | O_CREAT, 0o644)
        defer { close(fd); unlink(path) }
        // The middle third "kept from an earlier run".
        let kept = Int64(size / 3)..<Int64(2 * size / 3)
        bytes.withUnsafeBytes { all in
            _ = pwrite(fd, all.baseAddress! + Int(kept.lowerBound), kept.count, off_t(kept.lowerBound))
        }
        let hasher = PrefixHasher(fd: fd, path: path, written: ByteRanges([kept]))
        // The last third first, then the first, in 64 KiB pieces.
        let order = Array(stride(from: Int(kept.upperBound), to: size, by: 65536)) + Array(stride(from: 0, to: Int(kept.lowerBound), by: 65536))
        for start in order {
            let end = min(start + 65536, start < Int(kept.lowerBound) ? Int(kept.lowerBound) : size)
            bytes.withUnsafeBytes { all in
                let piece = UnsafeRawBufferPointer(rebasing: all[start..<end])
                _ = pwrite(fd, piece.baseAddress, piece.count, off_t(start))
                hasher.didWrite(piece, at: Int64(start))
            }
        }
        let hex = try await hasher.finish(size: Int64(size))
        XCTAssertEqual(hex, SHA256Hasher.hex(of: bytes))
    }
}
