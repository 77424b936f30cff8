import COpenSSL
import Foundation

/// The `etag` that commits an upload whose parts went to storage by
/// redirect (ollama's server/upload.go): the hex MD5 of the concatenated
/// raw MD5s of the parts, then `-<part count>`. MD5 through OpenSSL's EVP.
enum RedirectUploadEtag {
    /// The etag of `blob` cut into `parts` (offset, length), in order.
    static func etag(of blob: StoredBlob, parts: [(offset: Int64, length: Int64)]) throws -> String {
        var sums: [UInt8] = []
        for part in parts { sums += try md5(of: blob, offset: part.offset, length: part.length) }
        return hex(try md5(sums)) + "-\(parts.count)"
    }

    /// The MD5 of `length` bytes of `blob` from `offset`, read 1 MiB at a time.
    static func md5(of blob: StoredBlob, offset: Int64, length: Int64) throws -> [UInt8] {
        let hasher = try MD5Context()
        var buffer = Data(count: 1 << 20)
        var done: Int64 = 0
        while done < length {
            let count = Int(min(length - done, Int64(buffer.count)))
            try buffer.withUnsafeMutableBytes { try blob.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[..<count]), at: offset + done) }
            hasher.update(buffer.prefix(count))
            done += Int64(count)
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
