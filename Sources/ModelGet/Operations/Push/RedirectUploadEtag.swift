import COpenSSL
import Foundation

/// The `etag` that commits an upload whose parts went to storage by
/// redirect (ollama's server/upload.go): the hex MD5 of the concatenated
/// raw MD5s of the parts, then `-<part count>`. MD5 through OpenSSL's EVP.
enum RedirectUploadEtag {
    /// The etag of the file at `path` cut into `parts` (offset, length), in order.
    static func etag(path: String, parts: [(offset: Int64, length: Int64)]) throws -> String {
        var sums: [UInt8] = []
        for part in parts { sums += try md5(path: path, offset: part.offset, length: part.length) }
        return hex(try md5(sums)) + "-\(parts.count)"
    }

    /// The MD5 of `length` bytes of the file at `path` from `offset`.
    static func md5(path: String, offset: Int64, length: Int64) throws -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ModelGetError.fileSystem(path: path, reason: "cannot be read")
        }
        defer { try? handle.close() }
        let hasher = try MD5Context()
        try handle.seek(toOffset: UInt64(offset))
        var remaining = length
        while remaining > 0 {
            guard let chunk = try handle.read(upToCount: Int(min(remaining, 1 << 20))), !chunk.isEmpty else {
                throw ModelGetError.fileSystem(path: path, reason: "ended before byte \(offset + length)")
            }
            hasher.update(chunk)
            remaining -= Int64(chunk.count)
        }
        return try hasher.finish()
    }

    /// The MD5 of `bytes`.
    static func md5(_ bytes: [UInt8]) throws -> [UInt8] {
        let hasher = try MD5Context()
        hasher.update(Data(bytes))
        return try hasher.finish()
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// One incremental MD5, finished exactly once.
    private final class MD5Context {
        private var context: OpaquePointer?

        init() throws {
            OpenSSLInit.once
            guard let made = mg_md5_begin() else { throw ModelGetError.fileSystem(path: "<md5>", reason: "OpenSSL has no MD5") }
            context = made
        }

        deinit {
            var unused = [UInt8](repeating: 0, count: 16)
            if let context { _ = mg_md5_finish(context, &unused) }
        }

        func update(_ data: Data) {
            data.withUnsafeBytes { bytes in
                _ = mg_md5_update(context, bytes.bindMemory(to: UInt8.self).baseAddress, bytes.count)
            }
        }

        func finish() throws -> [UInt8] {
            var digest = [UInt8](repeating: 0, count: 16)
            let ok = mg_md5_finish(context, &digest)
            context = nil
            guard ok == 1 else { throw ModelGetError.fileSystem(path: "<md5>", reason: "OpenSSL MD5 failed") }
            return digest
        }
    }
}
