import Foundation

/// Writes blob files named by their digest (`sha256-<hex>`) into a
/// directory, hashing while writing.
enum BlobFile {
    /// Bytes generated and written per step; big blobs never sit whole in
    /// memory.
    static let chunkSize = 4 << 20

    /// Writes `size` pseudo-random bytes from `seed`; returns the hex
    /// digest and the file.
    static func random(size: Int64, seed: UInt64, in directory: URL) throws -> (hex: String, path: URL) {
        guard size >= 0 else { throw TestSupportError.invalidArgument("negative blob size \(size)") }
        return try random(after: Data(), size: size, seed: seed, in: directory)
    }

    /// Writes `prefix` followed by `size` pseudo-random bytes from `seed`
    /// (a safetensors header, then its tensor data); returns the hex digest
    /// and the file.
    static func random(after prefix: Data, size: Int64, seed: UInt64, in directory: URL) throws -> (hex: String, path: URL) {
        var generator = SplitMix64(seed: seed)
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: chunkSize, alignment: 8)
        defer { chunk.deallocate() }
        return try write(in: directory) { emit in
            try prefix.withUnsafeBytes { try emit($0) }
            var remaining = size
            while remaining > 0 {
                let part = UnsafeMutableRawBufferPointer(rebasing: chunk[0..<Int(min(remaining, Int64(chunkSize)))])
                generator.fill(part)
                try emit(UnsafeRawBufferPointer(part))
                remaining -= Int64(part.count)
            }
        }
    }

    /// Writes `data`; returns the hex digest and the file.
    static func data(_ data: Data, in directory: URL) throws -> (hex: String, path: URL) {
        try write(in: directory) { emit in
            try data.withUnsafeBytes { try emit($0) }
        }
    }

    /// Runs `produce` against a fresh temporary file (its argument hashes
    /// and writes one piece), then renames the file to its digest name.
    private static func write(
        in directory: URL,
        _ produce: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void
    ) throws -> (hex: String, path: URL) {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let temporary = directory.appendingPathComponent(".partial-\(UUID().uuidString)")
        let descriptor = open(temporary.path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw TestSupportError.system(call: "open \(temporary.path)", errno: errno) }
        let hasher = try SHA256Hasher()
        do {
            try produce { piece in
                hasher.update(piece)
                try writeAll(piece, to: descriptor)
            }
            close(descriptor)
        } catch {
            close(descriptor)
            unlink(temporary.path)
            throw error
        }
        let hex = hasher.finalHex()
        let path = directory.appendingPathComponent("sha256-" + hex)
        guard rename(temporary.path, path.path) == 0 else {
            throw TestSupportError.system(call: "rename \(temporary.path)", errno: errno)
        }
        return (hex, path)
    }

    private static func writeAll(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32) throws {
        var offset = 0
        while offset < bytes.count {
            let written = Foundation.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw TestSupportError.system(call: "write", errno: errno)
            }
            offset += written
        }
    }
}
